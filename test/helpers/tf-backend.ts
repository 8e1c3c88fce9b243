import { useBackend } from "../../src/compute/backend.ts";
import { loadGemmAddon, registerNativeGemm, unregisterNativeKernels } from "../../src/compute/native-kernels.ts";

/** Every tfjs test runs on the wasm backend, as evogan does on these machines. */
export async function useWasm(): Promise<void> {
  await useBackend("wasm");
}

/**
 * The kernel configurations a trainer test runs under: wasm's own kernels, and the native
 * GEMM + fused Adam where the addon is built, so both paths stay checked.
 */
export const kernelModes: ReadonlyArray<readonly [string, () => void]> = [
  ["wasm kernels", unregisterNativeKernels],
  ...(loadGemmAddon() ? ([["native GEMM + Adam", () => void registerNativeGemm()]] as const) : []),
];
