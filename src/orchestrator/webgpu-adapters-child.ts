// Child process of `evogan devices` (src/orchestrator/devices.ts, discoverWebgpuAdapters): asks Dawn
// for its adapters and prints them as one JSON line. A child, because Dawn and the Vulkan drivers
// write warnings straight to file descriptor 2 (Mesa: "XDG_RUNTIME_DIR is invalid", Dawn: "Vulkan
// shaderUniform*ArrayDynamicIndexing required" for a driver it rejects), which the parent discards,
// and because Dawn keeps the event loop alive and a driver can crash: here that ends only this process.
import { describeAdapter, listWebgpuAdapters, probeWebgpu } from "../compute/webgpu-backend.ts";
import type { WebgpuDevice } from "./devices.ts";

const devices: WebgpuDevice[] = [];
for (const [index, a] of (await listWebgpuAdapters()).entries()) {
  // Opened once to ask Dawn whether it is a CPU implementation; one that will not open is judged by its name.
  const info = await probeWebgpu({ dawnFlags: [`adapter=${a.name}`, `backend=${a.backend}`] });
  devices.push({ index, name: a.name, backend: a.backend, software: (info ?? describeAdapter({ info: { device: a.name } })).software });
}
process.stdout.write(`${JSON.stringify(devices)}\n`);
process.exit(0);
