// Child process of `evogan devices` (src/orchestrator/devices.ts, discoverWebgpuAdapters): asks Dawn
// for its adapters and prints them as one JSON line. A child, because Dawn and the Vulkan drivers
// write warnings straight to file descriptor 2 (Mesa: "XDG_RUNTIME_DIR is invalid", Dawn: "Vulkan
// shaderUniform*ArrayDynamicIndexing required" for a driver it rejects), which the parent discards,
// and because Dawn keeps the event loop alive and a driver can crash: here that ends only this process.
//
// With evogan's Vulkan device layer built, adapter i is what a process pinned to Vulkan device i
// sees (the layer shows one device; each Dawn instance reads the environment anew), for i = 0, 1, …
// until none is left: the list and the pinning agree by construction. Without it (or where the
// loader cannot load it), Dawn's own list, pinned by name.
import { describeAdapter, listWebgpuAdapters, probeWebgpu } from "../compute/webgpu-backend.ts";
import { deviceLayerBuilt, deviceLayerEnv } from "../compute/vulkan-device-layer.ts";
import type { WebgpuDevice } from "./devices.ts";

/** More Vulkan devices than any machine evogan pins to has. */
const MAX_DEVICES = 64;

/**
 * Adapter i as a process pinned to Vulkan device i sees it, for i = 0, 1, … until none is left; []
 * when the layer is not in effect here: a loader too old for VK_ADD_LAYER_PATH, or one told to
 * leave the layer out (VK_LOADER_LAYERS_DISABLE), shows every device at every index, which would
 * list the first adapter forever. In effect, an index past any device shows none.
 */
async function byLayer(): Promise<WebgpuDevice[]> {
  const base = { ...process.env };
  const pin = (index: number) => Object.assign(process.env, deviceLayerEnv(index, base));
  const devices: WebgpuDevice[] = [];
  pin(MAX_DEVICES);
  let inEffect = (await listWebgpuAdapters()).length === 0;
  for (let index = 0; inEffect && index < MAX_DEVICES; index++) {
    pin(index);
    const seen = await listWebgpuAdapters();
    if (seen.length === 0) break;
    inEffect = seen.length === 1;
    const info = await probeWebgpu({ dawnFlags: [] });
    devices.push({ index, name: seen[0].name, backend: seen[0].backend, software: (info ?? describeAdapter({ info: { device: seen[0].name } })).software, pinnedBy: "layer" });
  }
  for (const k of Object.keys(deviceLayerEnv(0, base))) {
    if (base[k] === undefined) delete process.env[k];
    else process.env[k] = base[k];
  }
  return inEffect ? devices : [];
}

const devices: WebgpuDevice[] = deviceLayerBuilt() ? await byLayer() : [];
if (devices.length === 0) {
  for (const [index, a] of (await listWebgpuAdapters()).entries()) {
    // Opened once to ask Dawn whether it is a CPU implementation; one that will not open is judged by its name.
    const info = await probeWebgpu({ dawnFlags: [`adapter=${a.name}`, `backend=${a.backend}`] });
    devices.push({ index, name: a.name, backend: a.backend, software: (info ?? describeAdapter({ info: { device: a.name } })).software, pinnedBy: "name" });
  }
}
process.stdout.write(`${JSON.stringify(devices)}\n`);
process.exit(0);
