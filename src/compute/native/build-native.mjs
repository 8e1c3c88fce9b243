// Builds evogan's optional native parts at install time. It never fails the install:
// - the native GEMM (OpenBLAS): without a C++ toolchain, Node's headers or libopenblas-dev
//   (Debian: apt-get install libopenblas-dev), evogan runs on the wasm backend's own kernels;
// - on Linux, the Vulkan layer that pins a process to one WebGPU adapter by index
//   (src/compute/vulkan-layer/): without a C compiler or the Vulkan headers (Debian: apt-get
//   install libvulkan-dev), adapters are pinned by name, and identical GPUs cannot be told apart.
// Each says so.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
buildVulkanLayer();
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

/** The Vulkan device layer: one C file, no dependency beyond the Vulkan headers (the loader loads it). */
function buildVulkanLayer() {
  if (process.platform !== "linux") return;
  const dir = join(here, "..", "vulkan-layer");
  if (!["/usr/include/vulkan/vk_layer.h", "/usr/local/include/vulkan/vk_layer.h"].some((h) => existsSync(h))) {
    console.warn("evogan: Vulkan device layer not built (no Vulkan headers: apt-get install libvulkan-dev); WebGPU adapters are pinned by name");
    return;
  }
  mkdirSync(join(dir, "build"), { recursive: true });
  const out = join(dir, "build", "libVkLayer_evogan_device_index.so");
  const r = spawnSync(process.env.CC ?? "cc", ["-shared", "-fPIC", "-O2", "-fvisibility=hidden", "-o", out, join(dir, "device_index_layer.c")], { encoding: "utf8" });
  if (r.status === 0) console.log("evogan: Vulkan device layer built");
  else console.warn(`evogan: Vulkan device layer not built (${(r.stderr || String(r.error ?? "no C compiler")).trim().split("\n")[0]}); WebGPU adapters are pinned by name`);
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
