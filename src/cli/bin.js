#!/usr/bin/env node
// evogan's executable: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";

// OpenBLAS's kernel family, fixed before any thread loads it (src/compute/native-kernels.ts says why).
if (process.arch === "x64") process.env.OPENBLAS_CORETYPE ??= "Haswell";

register();
const { main } = await import("./main.ts");
await main(process.argv);
