// evogan's Vulkan layer (src/compute/vulkan-layer/device_index_layer.c): it shows a process one
// physical device, the one at index EVOGAN_VULKAN_DEVICE. It is how one host process is pinned to
// one WebGPU adapter (src/orchestrator/device-pool.ts) when GPUs are identical: Dawn selects an
// adapter only by a substring of its name, and the Vulkan loader's filters only by vendor and
// device id. `npm install` builds it on Linux where the Vulkan headers are (libvulkan-dev);
// without it adapters are pinned by name (devices.ts says when that cannot work).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEVICE_LAYER = "VK_LAYER_EVOGAN_device_index";

/** The folder of the layer's manifest (VK_ADD_LAYER_PATH); the library is built into its build/. */
export const DEVICE_LAYER_DIR = fileURLToPath(new URL("./vulkan-layer/", import.meta.url));
const LIBRARY = join(DEVICE_LAYER_DIR, "build", "libVkLayer_evogan_device_index.so");

/** Whether the layer is built here (Linux only: the loader elsewhere has no such layers). */
export function deviceLayerBuilt(): boolean {
  return process.platform === "linux" && existsSync(LIBRARY);
}

/**
 * The environment that shows a process only Vulkan device `index` (the loader's order), on top of
 * `env`: the layer's folder and name prepended to any the caller set. Mesa's implicit
 * device-select layer is switched off (NODEVICE_SELECT): it only reorders devices, which one device
 * does not need, and Mesa 25.0's crashes when it is handed none (an index past the last device).
 */
export function deviceLayerEnv(index: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const prepend = (value: string, rest: string | undefined): string => (rest ? `${value}:${rest}` : value);
  return {
    VK_ADD_LAYER_PATH: prepend(DEVICE_LAYER_DIR, env.VK_ADD_LAYER_PATH),
    VK_INSTANCE_LAYERS: prepend(DEVICE_LAYER, env.VK_INSTANCE_LAYERS),
    EVOGAN_VULKAN_DEVICE: String(index),
    NODEVICE_SELECT: "1",
  };
}
