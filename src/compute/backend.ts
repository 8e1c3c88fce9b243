// Choosing the compute backend. `auto` takes tfjs-node-gpu if it loads, else tfjs-node, else
// webgpu on a hardware GPU adapter, else wasm. The two native packages are optional peer
// dependencies: their installer downloads libtensorflow, which GPU users can do and these CPU
// machines cannot, so asking for one that is not installed is a one-line error naming the package
// to install (BackendMissing). webgpu (Dawn; src/compute/webgpu-backend.ts) is an optional
// dependency; asked for and missing, its error names the package, the Vulkan loader or the adapter.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerLeakyReluGradient } from "./leaky-relu.ts";
import { nativeGemmActive, registerNativeGemm } from "./native-kernels.ts";
import { registerWasmKernels } from "./wasm-kernels.ts";
import { BackendMissing } from "../errors.ts";
import { activateWebgpu, nodeImport, probeWebgpu, webgpuAdapter, type Importer, type WebgpuOptions } from "./webgpu-backend.ts";
import { existsSync, readdirSync } from "node:fs";

export const BACKEND_CHOICES = ["auto", "tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type ResolvedBackend = Exclude<BackendChoice, "auto">;

/** The npm package that provides each native backend. */
export const NATIVE_PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
} as const;

// How a package is loaded (src/compute/webgpu-backend.ts): a parameter so that tests can stand in for a GPU machine.
export type { Importer };

/**
 * Loads and activates a backend; returns which one is active. Native packages register the
 * tfjs backend named 'tensorflow' (GPU or not); wasm gets evogan's extra kernels.
 */
export async function useBackend(choice: BackendChoice, importer: Importer = nodeImport, webgpu: WebgpuOptions & { readonly gpuPresent?: () => boolean } = {}): Promise<ResolvedBackend> {
  // LeakyRelu's gradient as dy · step(x, α) on every backend: 2 kernels instead of 4 (leaky-relu.ts).
  registerLeakyReluGradient();
  if (choice === "auto") {
    for (const native of ["tensorflow-gpu", "tensorflow"] as const) {
      try {
        await loadNative(native, importer);
        return native;
      } catch {
        // not installed or cannot load here: try the next one
      }
    }
    // webgpu only on a hardware adapter: a CPU Vulkan driver (lavapipe) is correct but far slower
    // than wasm with OpenBLAS. Probed only where a GPU device node exists, so that a CPU machine
    // pays nothing (no Dawn load, no Vulkan warnings on stderr).
    if ((webgpu.gpuPresent ?? gpuDeviceNodePresent)()) {
      const adapter = await probeWebgpu({ importer, ...webgpu });
      if (adapter && !adapter.software) {
        try {
          await activateWebgpu({ importer, ...webgpu });
          return "webgpu";
        } catch {
          // the adapter gave no device after all: wasm
        }
      }
    }
    return useBackend("wasm", importer);
  }
  if (choice === "webgpu") {
    await activateWebgpu({ importer, ...webgpu });
    return "webgpu";
  }
  if (choice === "tensorflow-gpu" || choice === "tensorflow") {
    await loadNative(choice, importer);
    return choice;
  }
  if (choice === "wasm") {
    await activate("wasm");
    registerWasmKernels();
    registerNativeGemm();
    return "wasm";
  }
  await activate("cpu");
  return "cpu";
}

async function loadNative(backend: "tensorflow-gpu" | "tensorflow", importer: Importer): Promise<void> {
  const pkg = NATIVE_PACKAGES[backend];
  try {
    await importer(pkg);
    await activate("tensorflow");
  } catch (e) {
    throw new BackendMissing(backend, pkg, e);
  }
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialise its '${name}' backend`);
  await tf.ready();
}

/** Which code runs the matrix products of the active backend, for the run's first line. */
export function matmulEngine(): string {
  const backend = tf.getBackend();
  if (backend === "wasm") return nativeGemmActive() ? "OpenBLAS (native GEMM on the wasm heap)" : "XNNPACK (wasm)";
  if (backend === "tensorflow") return "libtensorflow";
  if (backend === "webgpu") {
    const a = webgpuAdapter();
    return `WebGPU (Dawn) on ${a ? `${a.description || a.device || a.vendor}${a.software ? ", a CPU driver" : ""}` : "an adapter"}`;
  }
  return "tfjs cpu";
}

/**
 * Whether this machine shows a GPU to user space: a DRM render node or an NVIDIA device on Linux,
 * or macOS (Metal). Cheap, and only a hint: webgpu's own probe decides.
 */
export function gpuDeviceNodePresent(): boolean {
  if (process.platform === "darwin") return true;
  if (process.platform !== "linux") return false;
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/dev/dri").some((f) => f.startsWith("renderD"));
  } catch {
    return false;
  }
}
