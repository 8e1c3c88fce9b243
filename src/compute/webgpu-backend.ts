// The webgpu backend: tfjs-backend-webgpu over Dawn's Node bindings (the npm package `webgpu`),
// which reach any Vulkan (Linux, Windows) or Metal (macOS) GPU; no CUDA version to match. Both
// packages are optional dependencies (Dawn's package carries ~137 MB of binaries for four
// platforms) and are imported only here, only when the backend is asked for.
//
// Setup order matters (measured, ../shared/WEBGPU-NOTES.md): Dawn's globals (GPUBufferUsage, ...)
// and `navigator.gpu` must exist before tfjs-backend-webgpu is imported, because it registers the
// backend only when it sees navigator.gpu. Node >= 21 has a getter-only `navigator`, so it is
// defined, not assigned. The backend asks navigator.gpu for its adapter itself; evogan hands it the
// adapter it already chose (and checked), so what was probed is what runs.
//
// What can be missing, each a one-line BackendMissing naming it: the npm packages; on Linux the
// Vulkan loader (libvulkan.so.1, which Dawn dlopens); and an adapter (no Vulkan driver sees a
// device: no GPU driver installed, or VK_ICD_FILENAMES pointing at nothing).
//
// Dawn keeps the event loop alive while navigator.gpu is referenced: a process that used this
// backend ends with process.exit (the CLI does), or calls `releaseWebgpu` first.
import * as tf from "@tensorflow/tfjs";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { BackendMissing } from "../errors.ts";

/** The npm packages of the webgpu backend: Dawn's Node bindings and tfjs' backend over them. */
export const WEBGPU_PACKAGES = { dawn: "webgpu", tfjs: "@tensorflow/tfjs-backend-webgpu" } as const;

/** The Vulkan loader Dawn dlopens on Linux (Debian: `libvulkan1`). */
export const VULKAN_LOADER = "libvulkan.so.1";

/** What `requestAdapter` resolves to, as far as evogan reads it. */
interface Adapter {
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly device?: string; readonly description?: string; readonly isFallbackAdapter?: boolean };
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<Adapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: object;
}

/** An adapter as evogan reports it (`evogan devices`, the run's first line). */
export interface WebgpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (lavapipe, SwiftShader, WARP): correct but slower than evogan's wasm path. */
  readonly software: boolean;
}

/** How a package is loaded; a parameter so that tests can stand in for a missing one (or for a GPU machine). */
export type Importer = (pkg: string) => Promise<unknown>;
export const nodeImport: Importer = (pkg) => import(pkg);

export interface WebgpuOptions {
  readonly importer?: Importer;
  /** The loader to look for (a test names one that does not exist). */
  readonly vulkanLoader?: string;
  /** Dawn's flags (`adapter=<name>`, `backend=vulkan`, ...); default: EVOGAN_DAWN_FLAGS, comma-separated. */
  readonly dawnFlags?: readonly string[];
}

let active: { gpu: Gpu; adapter: WebgpuAdapterInfo } | undefined;

/**
 * Whether the Vulkan loader can be opened. process.dlopen opens the library, then fails with
 * "did not self-register" because it is no Node addon: that failure means it is there.
 */
export function vulkanLoaderPresent(name: string = VULKAN_LOADER): boolean {
  try {
    process.dlopen({ exports: {} }, name);
    return true;
  } catch (e) {
    return !/cannot open shared object|no such file|not found/i.test(String((e as Error).message));
  }
}

async function loadDawn(importer: Importer, loader: string): Promise<DawnModule> {
  let dawn: DawnModule;
  try {
    dawn = (await importer(WEBGPU_PACKAGES.dawn)) as DawnModule;
  } catch (e) {
    throw new BackendMissing("webgpu", WEBGPU_PACKAGES.dawn, e);
  }
  if (process.platform === "linux" && !vulkanLoaderPresent(loader)) {
    throw new BackendMissing("webgpu", loader, new Error(`${loader}: cannot open shared object file`), `no Vulkan loader (${loader}): install it with \`apt-get install libvulkan1\` (Debian/Ubuntu)`);
  }
  if (process.platform === "linux") {
    const missing = missingVulkanDriver();
    if (missing) throw new BackendMissing("webgpu", "a Vulkan driver", new Error(missing), NO_ADAPTER);
  }
  return dawn;
}

const NO_ADAPTER = "no GPU adapter: install the GPU's Vulkan driver, or for a CPU one see scripts/install-lavapipe.sh";

/**
 * Why the Vulkan loader will find no driver at all, checked before Dawn starts (which would say
 * so in several lines of its own on stderr): the driver files named by VK_ICD_FILENAMES /
 * VK_DRIVER_FILES do not exist, or no driver file is in the loader's search path. Undefined when
 * some driver file is there (whether it gives an adapter is Dawn's to say).
 */
export function missingVulkanDriver(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (named !== undefined && named !== "") {
    const files = named.split(":").filter((f) => f.length > 0);
    const present = files.some((f) => existsSync(f));
    return present ? undefined : `${env.VK_DRIVER_FILES !== undefined ? "VK_DRIVER_FILES" : "VK_ICD_FILENAMES"}=${named}: no such driver file`;
  }
  // The loader's search path on Linux: XDG config and data dirs, /etc, /usr/local/share, /usr/share.
  const xdg = [...(env.XDG_CONFIG_DIRS ?? "/etc/xdg").split(":"), ...(env.XDG_DATA_DIRS ?? "/usr/local/share:/usr/share").split(":")];
  const home = env.HOME ?? homedir();
  const dirs = [...xdg, "/etc", "/usr/local/share", "/usr/share", join(home, ".local/share"), join(home, ".config")].map((d) => join(d, "vulkan/icd.d"));
  const found = dirs.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith(".json"));
    } catch {
      return false;
    }
  });
  return found ? undefined : "no Vulkan driver file (icd.d/*.json) in the loader's search path";
}

const flagsFromEnv = (): string[] => (process.env.EVOGAN_DAWN_FLAGS ?? "").split(",").filter((f) => f.length > 0);

/** The adapter Dawn picks (high-performance first), or a BackendMissing saying none is there. */
async function requestAdapter(gpu: Gpu): Promise<Adapter> {
  let adapter: Adapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    // Dawn rejects (rather than resolving null) when an `adapter=` flag matches nothing; its message lists the adapters.
    throw new BackendMissing("webgpu", "a WebGPU adapter", e, "no WebGPU adapter matches EVOGAN_DAWN_FLAGS");
  }
  if (!adapter) {
    const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
    const where = icd === undefined ? "no Vulkan driver sees a device" : `no Vulkan driver sees a device (VK_ICD_FILENAMES=${icd})`;
    throw new BackendMissing("webgpu", "a WebGPU adapter", new Error(`requestAdapter() returned null: ${where}`), NO_ADAPTER);
  }
  return adapter;
}

export function describeAdapter(adapter: Adapter): WebgpuAdapterInfo {
  const info = adapter.info ?? {};
  const architecture = info.architecture ?? "";
  const description = info.description ?? "";
  return {
    vendor: info.vendor ?? "",
    architecture,
    device: info.device ?? "",
    description,
    // Dawn marks CPU implementations as fallback adapters; Mesa's lavapipe also says "software"/"llvmpipe".
    software: info.isFallbackAdapter === true || architecture === "software" || /llvmpipe|swiftshader|lavapipe/i.test(`${info.device} ${description}`),
  };
}

/**
 * Whether a usable adapter exists here, without activating anything: for `auto`, which takes
 * webgpu only for a hardware adapter. Any failure (package, loader, no adapter) is undefined.
 */
export async function probeWebgpu(o: WebgpuOptions = {}): Promise<WebgpuAdapterInfo | undefined> {
  if (active) return active.adapter;
  try {
    const dawn = await loadDawn(o.importer ?? nodeImport, o.vulkanLoader ?? VULKAN_LOADER);
    const gpu = dawn.create([...(o.dawnFlags ?? flagsFromEnv())]);
    return describeAdapter(await requestAdapter(gpu));
  } catch {
    return undefined;
  }
}

/** Loads Dawn and tfjs' webgpu backend and makes it tfjs' backend; returns the adapter it runs on. */
export async function activateWebgpu(o: WebgpuOptions = {}): Promise<WebgpuAdapterInfo> {
  // Once open, Dawn stays open: switching back reuses it (opening it anew on every switch left
  // instances behind whose collection crashed the process, a mutex assertion in Dawn's threads).
  if (active && tf.findBackend("webgpu")) {
    if (tf.getBackend() !== "webgpu" && !(await tf.setBackend("webgpu"))) throw new BackendMissing("webgpu", "a WebGPU device", new Error("tf.setBackend('webgpu') returned false"), "the adapter did not give a device");
    return active.adapter;
  }
  const importer = o.importer ?? nodeImport;
  const dawn = await loadDawn(importer, o.vulkanLoader ?? VULKAN_LOADER);
  const gpu = dawn.create([...(o.dawnFlags ?? flagsFromEnv())]);
  const adapter = await requestAdapter(gpu);
  Object.assign(globalThis, dawn.globals); // else: ReferenceError: GPUBufferUsage is not defined
  // tfjs' factory calls navigator.gpu.requestAdapter itself: hand it the adapter chosen above.
  const chosen: Gpu = { requestAdapter: async () => adapter };
  Object.defineProperty(globalThis, "navigator", { value: { gpu: chosen }, configurable: true, writable: true });
  try {
    await importer(WEBGPU_PACKAGES.tfjs);
  } catch (e) {
    throw new BackendMissing("webgpu", WEBGPU_PACKAGES.tfjs, e);
  }
  let ok = false;
  try {
    ok = await tf.setBackend("webgpu");
  } catch (e) {
    throw new BackendMissing("webgpu", "a WebGPU device", e, "the adapter did not give a device");
  }
  if (!ok) throw new BackendMissing("webgpu", "a WebGPU device", new Error("tf.setBackend('webgpu') returned false"), "the adapter did not give a device");
  await tf.ready();
  active = { gpu, adapter: describeAdapter(adapter) };
  return active.adapter;
}

/** The adapter the active webgpu backend runs on, if it is active. */
export function webgpuAdapter(): WebgpuAdapterInfo | undefined {
  return active?.adapter;
}

/**
 * Lets the process end on its own: drops the references to Dawn that keep the event loop alive
 * (tests; the CLI exits explicitly). The webgpu backend cannot be used afterwards.
 */
export function releaseWebgpu(): void {
  if (tf.findBackend("webgpu")) tf.removeBackend("webgpu");
  Reflect.deleteProperty(globalThis, "navigator");
  active = undefined;
}

/** An adapter Dawn can open, as its adapter list names it (what `adapter=<name>` in EVOGAN_DAWN_FLAGS selects). */
export interface ListedAdapter {
  readonly backend: string;
  readonly name: string;
}

/**
 * Every adapter Dawn sees (for `evogan devices`), in Dawn's order; [] when the package, the Vulkan
 * loader or any driver is missing. Dawn has no listing call: asked for an adapter name that matches
 * nothing, it rejects with "Available adapters:" and one ` * backend: '…', name: '…'` line each.
 */
export async function listWebgpuAdapters(o: Pick<WebgpuOptions, "importer" | "vulkanLoader"> = {}): Promise<ListedAdapter[]> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn(o.importer ?? nodeImport, o.vulkanLoader ?? VULKAN_LOADER);
  } catch {
    return [];
  }
  try {
    await dawn.create(["adapter=\u0000evogan-list-adapters"]).requestAdapter();
    return [];
  } catch (e) {
    return parseAdapterList(String((e as Error).message ?? e));
  }
}

/** The adapters of Dawn's "Available adapters:" message. */
export function parseAdapterList(message: string): ListedAdapter[] {
  return [...message.matchAll(/^\s*\*\s*backend:\s*'([^']*)',\s*name:\s*'([^']*)'/gm)].map((m) => ({ backend: m[1], name: m[2] }));
}
