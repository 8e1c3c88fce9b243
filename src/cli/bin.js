#!/usr/bin/env node
// evogan's executable: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";

register();
// OpenBLAS's kernel family, fixed before any worker thread loads it (native-kernels.ts says why).
const { pinOpenblasKernels } = await import("../compute/native-kernels.ts");
pinOpenblasKernels();
const { main } = await import("./main.ts");
await main(process.argv);
