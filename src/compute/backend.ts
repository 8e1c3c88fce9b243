// Choosing the compute backend. `auto` takes tfjs-node-gpu if it loads, else tfjs-node, else
// wasm. The two native packages are optional peer dependencies: their installer downloads
// libtensorflow, which GPU users can do and these CPU machines cannot, so asking for one that
// is not installed is a one-line error naming the package to install (BackendMissing).
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerLeakyReluGradient } from "./leaky-relu.ts";
import { nativeGemmActive, registerNativeGemm } from "./native-kernels.ts";
import { registerWasmKernels } from "./wasm-kernels.ts";
import { BackendMissing } from "../errors.ts";

export const BACKEND_CHOICES = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type ResolvedBackend = Exclude<BackendChoice, "auto">;

/** The npm package that provides each native backend. */
export const NATIVE_PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
} as const;

/** How a package is loaded; a parameter so that tests can stand in for a GPU machine. */
export type Importer = (pkg: string) => Promise<unknown>;
const nodeImport: Importer = (pkg) => import(pkg);

/**
 * Loads and activates a backend; returns which one is active. Native packages register the
 * tfjs backend named 'tensorflow' (GPU or not); wasm gets evogan's extra kernels.
 */
export async function useBackend(choice: BackendChoice, importer: Importer = nodeImport): Promise<ResolvedBackend> {
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
    return useBackend("wasm", importer);
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
  return "tfjs cpu";
}
