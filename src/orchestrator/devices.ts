// Which devices a run trains on. GPUs are found by asking `nvidia-smi` (the driver's own tool,
// present wherever CUDA works) rather than by loading tfjs-node-gpu: loading it would initialise
// CUDA in *this* process, and CUDA reads CUDA_VISIBLE_DEVICES only once per process, so the
// orchestrator must stay CUDA-free and leave each GPU to its own child process
// (src/orchestrator/device-pool.ts). `--devices` is "auto", "cpu" or a list of GPU indices.
//
// WebGPU adapters (any Vulkan GPU, or a CPU driver such as lavapipe) are listed by Dawn itself, in
// a child process (src/orchestrator/webgpu-adapters-child.ts), and only when the `webgpu` package,
// the Vulkan loader and a driver file are there: without them no Dawn code runs.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadGemmAddon } from "../compute/native-kernels.ts";
import { NATIVE_PACKAGES } from "../compute/backend.ts";
import { missingVulkanDriver, vulkanLoaderPresent, WEBGPU_PACKAGES } from "../compute/webgpu-backend.ts";
import { ConfigError } from "../errors.ts";

export interface Gpu {
  /** The index CUDA_VISIBLE_DEVICES and `--devices` use. */
  readonly index: number;
  readonly name: string;
  /** Total memory in MiB; undefined when nvidia-smi reports "[N/A]". */
  readonly memoryMiB: number | undefined;
}

export type DevicePlan =
  | { readonly kind: "cpu"; readonly threads: number }
  | { readonly kind: "gpu"; readonly devices: readonly number[] }
  /** One host process per WebGPU adapter (a sweep on `backend: "webgpu"`), each pinned to its adapter. */
  | { readonly kind: "webgpu"; readonly adapters: readonly WebgpuDevice[] };

/** Runs a command and resolves with its stdout; rejects when it is absent or exits non-zero. */
export type Exec = (cmd: string, args: readonly string[]) => Promise<string>;

const execNode: Exec = (cmd, args) =>
  new Promise((resolve, reject) => {
    // A wedged driver can make nvidia-smi hang: give up after 15 s (then: no GPUs).
    execFile(cmd, [...args], { timeout: 15_000, encoding: "utf8" }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

export const NVIDIA_SMI_ARGS = ["--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"] as const;

/** The GPUs nvidia-smi reports; [] when nvidia-smi is absent, fails or reports none. */
export async function discoverGpus(exec: Exec = execNode): Promise<Gpu[]> {
  let out: string;
  try {
    out = await exec("nvidia-smi", NVIDIA_SMI_ARGS);
  } catch {
    return [];
  }
  return parseNvidiaSmi(out);
}

/** Parses `index, name, memory.total` CSV lines (noheader, nounits); lines that do not parse are skipped. */
export function parseNvidiaSmi(csv: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 3 || !/^\d+$/.test(cells[0])) continue;
    const memory = cells[cells.length - 1];
    gpus.push({
      index: Number(cells[0]),
      // A name could in principle hold a comma: it is everything between the first and last cell.
      name: cells.slice(1, -1).join(", "),
      memoryMiB: /^\d+(\.\d+)?$/.test(memory) ? Number(memory) : undefined,
    });
  }
  return gpus;
}

/**
 * Turns `--devices` into a plan. "auto": every GPU found, else `cores` CPU threads. "cpu": CPU
 * threads even when GPUs exist. "0,2": those GPUs, each of which must have been found.
 */
export function resolveDevices(spec: string, gpus: readonly Gpu[], cores: number): DevicePlan {
  const s = spec.trim().toLowerCase();
  const threads = Math.max(1, Math.floor(cores));
  if (s === "cpu") return { kind: "cpu", threads };
  if (s === "auto") return gpus.length > 0 ? { kind: "gpu", devices: gpus.map((g) => g.index) } : { kind: "cpu", threads };
  if (!/^\d+(\s*,\s*\d+)*$/.test(s)) {
    throw new ConfigError("devices", `expected "auto", "cpu" or GPU indices such as "0" or "0,1", got '${spec}'`);
  }
  const devices = s.split(",").map((x) => Number(x.trim()));
  const seen = new Set<number>();
  for (const d of devices) {
    if (seen.has(d)) throw new ConfigError("devices", `GPU ${d} is named twice in '${spec}'`);
    seen.add(d);
  }
  const found = new Set(gpus.map((g) => g.index));
  const missing = devices.filter((d) => !found.has(d));
  if (missing.length > 0) {
    const have = gpus.length > 0 ? `nvidia-smi reports GPU${gpus.length > 1 ? "s" : ""} ${gpus.map((g) => g.index).join(", ")}` : "no GPU was found (nvidia-smi is absent or reports none)";
    throw new ConfigError("devices", `GPU ${missing.join(", ")} not found: ${have}`);
  }
  return { kind: "gpu", devices };
}

/** A WebGPU adapter as `evogan devices` reports it. */
export interface WebgpuDevice {
  /** The index `--devices` names: the Vulkan device index when pinnedBy is "layer", else its place in Dawn's list. */
  readonly index: number;
  /** Dawn's name for it (what `adapter=<name>` in EVOGAN_DAWN_FLAGS selects). */
  readonly name: string;
  /** Dawn's backend: vulkan, metal, d3d12, ... */
  readonly backend: string;
  /** A CPU implementation (lavapipe, SwiftShader): correct, but slower than evogan's wasm path. */
  readonly software: boolean;
  /**
   * How a process is pinned to it: "layer", evogan's Vulkan device layer (by index: any adapter);
   * "name", Dawn's `adapter=<name>` flag (the first adapter whose name contains it: adapters that
   * share a name cannot be told apart). src/compute/vulkan-device-layer.ts says why.
   */
  readonly pinnedBy: "layer" | "name";
}

/**
 * Turns `--devices` into a plan for a webgpu sweep. "auto": every adapter listed (none: CPU threads,
 * where the members' webgpu backend then says what is missing); "cpu": CPU threads; "0,2": those
 * adapters, each of which must be listed, and under name pinning must be the first adapter its
 * name selects.
 */
export function resolveWebgpuDevices(spec: string, adapters: readonly WebgpuDevice[], cores: number): DevicePlan {
  const s = spec.trim().toLowerCase();
  const threads = Math.max(1, Math.floor(cores));
  if (s === "cpu") return { kind: "cpu", threads };
  if (s === "auto") return adapters.length > 0 ? { kind: "webgpu", adapters: checkPinnable(adapters, spec, adapters) } : { kind: "cpu", threads };
  if (!/^\d+(\s*,\s*\d+)*$/.test(s)) throw new ConfigError("devices", `expected "auto", "cpu" or WebGPU adapter indices such as "0" or "0,1", got '${spec}'`);
  const indices = s.split(",").map((x) => Number(x.trim()));
  const chosen: WebgpuDevice[] = [];
  for (const i of indices) {
    const a = adapters.find((x) => x.index === i);
    if (!a) throw new ConfigError("devices", `WebGPU adapter ${i} not found: ${adapters.length > 0 ? `\`evogan devices\` lists adapter${adapters.length > 1 ? "s" : ""} ${adapters.map((x) => x.index).join(", ")}` : "no WebGPU adapter was found"}`);
    if (chosen.includes(a)) throw new ConfigError("devices", `WebGPU adapter ${i} is named twice in '${spec}'`);
    chosen.push(a);
  }
  return { kind: "webgpu", adapters: checkPinnable(chosen, spec, adapters) };
}

/**
 * Dawn's `adapter=` flag for an adapter name: its text before any comma, since EVOGAN_DAWN_FLAGS is
 * comma-separated (llvmpipe's name has one). Dawn takes the first adapter whose name contains it.
 */
export const dawnAdapterFlag = (name: string): string => name.split(",")[0];

/** Under name pinning, each chosen adapter must be the first one its name selects (Dawn takes the first substring match). */
function checkPinnable(chosen: readonly WebgpuDevice[], spec: string, all: readonly WebgpuDevice[]): readonly WebgpuDevice[] {
  for (const a of chosen) {
    if (a.pinnedBy !== "name") continue;
    const first = all.find((x) => x.name.includes(dawnAdapterFlag(a.name)));
    if (first && first.index !== a.index) {
      throw new ConfigError(
        "devices",
        `WebGPU adapter ${a.index} ('${a.name}') cannot be pinned apart from adapter ${first.index} ('${first.name}'): Dawn picks adapters by name. Build evogan's Vulkan device layer (apt-get install libvulkan-dev, then npm run build:native), or use devices that differ in name instead of '${spec}'`,
      );
    }
  }
  return chosen;
}

/** The child that asks Dawn (next to this file, .ts under tsx or .js when built). */
const ADAPTERS_CHILD = fileURLToPath(new URL(`./webgpu-adapters-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

// tsx + tfjs + Dawn on lavapipe start in ~3 s here: 30 s is room for a loaded machine, and the
// most a wedged driver can make `evogan devices` wait.
const ADAPTERS_TIMEOUT_MS = 30_000;

/**
 * The adapters Dawn sees, each opened once to ask it whether it is a CPU implementation; [] when
 * the Vulkan loader or any driver is missing (checked here, without starting Dawn) or when Dawn
 * fails. Dawn runs in a child process whose stderr is dropped: its and the drivers' warnings do not
 * reach the user, and it keeps no event loop of this process alive.
 */
export async function discoverWebgpuAdapters(): Promise<WebgpuDevice[]> {
  if (process.platform === "linux" && (!vulkanLoaderPresent() || missingVulkanDriver() !== undefined)) return [];
  const loader = (() => {
    try {
      return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    } catch {
      return "tsx";
    }
  })();
  const args = extname(ADAPTERS_CHILD) === ".ts" ? ["--import", loader, ADAPTERS_CHILD] : [ADAPTERS_CHILD];
  const stdout = await new Promise<string>((resolve) => {
    execFile(process.execPath, args, { timeout: ADAPTERS_TIMEOUT_MS, encoding: "utf8" }, (err, out) => resolve(err ? "" : out));
  });
  try {
    const parsed: unknown = JSON.parse(stdout.trim().split("\n").pop() ?? "");
    return Array.isArray(parsed) ? (parsed as WebgpuDevice[]) : [];
  } catch {
    return [];
  }
}

export interface DeviceInfo {
  /** Backends evogan can select on this machine, in `--backend` spelling. */
  readonly backends: readonly string[];
  /** Optional packages that are not installed, for the hint line. */
  readonly missingPackages: readonly string[];
  readonly nativeGemm: boolean;
  readonly cpus: number;
  readonly gpus: readonly Gpu[];
  /** What `--backend webgpu` can run on here; [] without the packages, a Vulkan loader or a driver. */
  readonly webgpuAdapters: readonly WebgpuDevice[];
}

export interface DeviceInfoOptions {
  readonly exec?: Exec;
  /** Whether a package resolves; never imports it (tfjs-node-gpu would initialise CUDA here). */
  readonly resolves?: (pkg: string) => boolean;
  readonly nativeGemm?: () => boolean;
  readonly cpus?: number;
  /** Lists the WebGPU adapters (default: Dawn's list, discoverWebgpuAdapters). */
  readonly webgpuAdapters?: () => Promise<WebgpuDevice[]>;
}

const resolvesHere = (pkg: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

/** What `evogan devices` reports. */
export async function collectDeviceInfo(options: DeviceInfoOptions = {}): Promise<DeviceInfo> {
  const resolves = options.resolves ?? resolvesHere;
  const backends: string[] = [];
  const missingPackages: string[] = [];
  for (const backend of ["tensorflow-gpu", "tensorflow"] as const) {
    const pkg = NATIVE_PACKAGES[backend];
    if (resolves(pkg)) backends.push(backend);
    else missingPackages.push(pkg);
  }
  const webgpuMissing = [WEBGPU_PACKAGES.dawn, WEBGPU_PACKAGES.tfjs].filter((pkg) => !resolves(pkg));
  missingPackages.push(...webgpuMissing);
  const webgpuAdapters = webgpuMissing.length > 0 ? [] : await (options.webgpuAdapters ?? discoverWebgpuAdapters)();
  if (webgpuAdapters.length > 0) backends.push("webgpu");
  backends.push("wasm", "cpu");
  return {
    backends,
    missingPackages,
    nativeGemm: (options.nativeGemm ?? (() => loadGemmAddon() !== null))(),
    cpus: options.cpus ?? availableParallelism(),
    gpus: await discoverGpus(options.exec),
    webgpuAdapters,
  };
}

/** The text of `evogan devices`. */
export function formatDevices(info: DeviceInfo): string {
  const lines = [
    `backends: ${info.backends.join(", ")}`,
    ...(info.missingPackages.length > 0 ? [`  (not installed: ${info.missingPackages.join(", ")})`] : []),
    `native GEMM addon (wasm matmul via OpenBLAS): ${info.nativeGemm ? "built" : "not built"}`,
    `CPUs: ${info.cpus}`,
  ];
  if (info.gpus.length === 0) {
    lines.push("GPUs: none found (nvidia-smi is absent or reports none)");
  } else {
    lines.push(`GPUs: ${info.gpus.length}`);
    for (const g of info.gpus) lines.push(`  ${g.index}: ${g.name}${g.memoryMiB !== undefined ? `, ${g.memoryMiB} MiB` : ""}`);
  }
  if (info.webgpuAdapters.length === 0) {
    lines.push("WebGPU adapters: none (no webgpu package, Vulkan loader or Vulkan driver that Dawn accepts)");
  } else {
    lines.push(`WebGPU adapters: ${info.webgpuAdapters.length}`);
    for (const a of info.webgpuAdapters) lines.push(`  ${a.index}: ${a.name} (${a.backend}${a.software ? ", software: slower than wasm" : ""})`);
    if (info.webgpuAdapters.some((a) => a.pinnedBy === "name")) lines.push("  (pinned by name: adapters that share one cannot be told apart; apt-get install libvulkan-dev, then npm run build:native, pins by index)");
  }
  return lines.join("\n");
}
