// Builds evogan's optional native GEMM (OpenBLAS) at install time. It never fails the install:
// without a C++ toolchain, Node's headers or libopenblas-dev (Debian: apt-get install
// libopenblas-dev), evogan runs on the wasm backend's own kernels and says so.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
if (process.env.EVOGAN_NATIVE_GEMM === "off") process.exit(0);

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmDir = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(npmDir)) return npmDir;
  try {
    return createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return undefined;
  }
}

const gyp = nodeGyp();
// Use the headers of the Node that runs us, so nothing is downloaded.
const nodedir = [process.env.npm_config_nodedir, join(dirname(process.execPath), "..")].find((d) => d && existsSync(join(d, "include", "node", "node_api.h")));
if (!gyp || !nodedir) {
  console.warn("evogan: native GEMM not built (no node-gyp or Node headers); using the wasm kernels");
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, "rebuild", `--nodedir=${nodedir}`], { cwd: here, encoding: "utf8" });
if (r.status === 0) {
  console.log("evogan: native GEMM (OpenBLAS) built");
} else {
  const why = /cblas\.h|lopenblas/.test(`${r.stdout}${r.stderr}`) ? "OpenBLAS missing: apt-get install libopenblas-dev" : "build failed";
  console.warn(`evogan: native GEMM not built (${why}); using the wasm kernels. Rebuild with: npm run build:native`);
}
