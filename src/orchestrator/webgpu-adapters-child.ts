// Child process of `evogan devices` (src/orchestrator/devices.ts, discoverWebgpuAdapters): asks Dawn
// for its adapters and prints them as one JSON line. A child, because Dawn and the Vulkan drivers
// write warnings straight to file descriptor 2 (Mesa: "XDG_RUNTIME_DIR is invalid", Dawn: "Vulkan
// shaderUniform*ArrayDynamicIndexing required" for a driver it rejects), which the parent discards,
// and because Dawn keeps the event loop alive and a driver can crash: here that ends only this process.
//
// With evogan's Vulkan device layer built, adapter i is what a process pinned to Vulkan device i
// sees (the layer shows one device; each Dawn instance reads the environment anew), for i = 0, 1, …
// until none is left: the list and the pinning agree by construction. Without it, Dawn's own list.
import { describeAdapter, listWebgpuAdapters, probeWebgpu } from "../compute/webgpu-backend.ts";
import { deviceLayerBuilt, deviceLayerEnv } from "../compute/vulkan-device-layer.ts";
import type { WebgpuDevice } from "./devices.ts";

/** More Vulkan devices than any machine evogan pins to has. */
const MAX_DEVICES = 64;

const devices: WebgpuDevice[] = [];
if (deviceLayerBuilt()) {
  const base = { ...process.env };
  for (let index = 0; index < MAX_DEVICES; index++) {
    Object.assign(process.env, deviceLayerEnv(index, base));
    const [a] = await listWebgpuAdapters();
    if (!a) break;
    const info = await probeWebgpu({ dawnFlags: [] });
    devices.push({ index, name: a.name, backend: a.backend, software: (info ?? describeAdapter({ info: { device: a.name } })).software, pinnedBy: "layer" });
  }
} else {
  for (const [index, a] of (await listWebgpuAdapters()).entries()) {
    // Opened once to ask Dawn whether it is a CPU implementation; one that will not open is judged by its name.
    const info = await probeWebgpu({ dawnFlags: [`adapter=${a.name}`, `backend=${a.backend}`] });
    devices.push({ index, name: a.name, backend: a.backend, software: (info ?? describeAdapter({ info: { device: a.name } })).software, pinnedBy: "name" });
  }
}
process.stdout.write(`${JSON.stringify(devices)}\n`);
process.exit(0);
