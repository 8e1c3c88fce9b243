#!/usr/bin/env node
// evogan's executable: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
await main(process.argv);
