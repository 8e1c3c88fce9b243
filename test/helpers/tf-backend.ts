import { useBackend } from "../../src/compute/backend.ts";

/** Every tfjs test runs on the wasm backend, as evogan does on these machines. */
export async function useWasm(): Promise<void> {
  await useBackend("wasm");
}
