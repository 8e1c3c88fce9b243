// The MemberPool of a GPU machine: one child process per GPU (device-host.ts), each started with
// the environment that pins it (a DevicePin): CUDA_VISIBLE_DEVICES=i for tfjs-node-gpu, evogan's
// Vulkan device layer (or Dawn's adapter flag) for a WebGPU adapter. Why processes and not threads:
// CUDA reads CUDA_VISIBLE_DEVICES and the Vulkan loader its layers once per process, and worker
// threads share their process (a thread's `env` is a JS copy that native code never sees), so a
// thread cannot be pinned to a GPU. Each host runs `threadsPerDevice`
// single-thread Piscina pools; slot s lives on GPU devices[floor(s / threadsPerDevice)], thread
// s % threadsPerDevice. Members stay resident in their host's thread between tasks, as on CPU.
//
// A host that dies (driver fault, out of memory, killed) fails its in-flight tasks with an error
// naming the GPU; the members it held are gone, and the next task for that GPU starts a fresh
// host (the orchestrator re-initialises members from their last exported state). As with worker
// threads (member-pool.ts, Residency), the task each of its threads was running fails with
// WorkerCrashed and any task of a member it held with MemberLost; a thread that dies inside a
// living host is classified by the host's own pool, and its tag crosses IPC (src/errors.ts, toWire).
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { WorkerTask } from "../worker/protocol.ts";
import type { HostIdentity, HostReply, HostRequest } from "./device-host.ts";
import { deviceLayerEnv } from "../compute/vulkan-device-layer.ts";
import { dawnAdapterFlag, type DevicePlan, type WebgpuDevice } from "./devices.ts";
import { AbortError, DeviceHostExited, fromWire, WorkerCrashed } from "../errors.ts";
import { localMemberPool, Residency, type MemberPool } from "./member-pool.ts";

/** The host entry next to this file, .ts under tsx or .js when built. */
export const DEVICE_HOST_FILE = fileURLToPath(new URL(`./device-host${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** tsx's loader by absolute URL, so that hosts start whatever the working directory is. */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  } catch {
    return "tsx";
  }
}

export interface DevicePoolOptions {
  /** Extra environment for every host (on top of process.env and the CUDA variables). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long a host may take to start listening; default 60 s. */
  readonly startTimeoutMs?: number;
  /** How long destroy() waits for a host to exit before killing it; default 15 s. */
  readonly exitTimeoutMs?: number;
}

/** What one host is pinned to: the device's index, how errors and `describe` name it, and the environment that pins it. */
export interface DevicePin {
  readonly index: number;
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
}

/** GPU d under CUDA (tfjs-node-gpu): CUDA_VISIBLE_DEVICES=d, and memory taken as needed, so that one host does not hold it all. */
export const cudaPin = (d: number): DevicePin => ({ index: d, label: `GPU ${d} (CUDA_VISIBLE_DEVICES=${d})`, env: { CUDA_VISIBLE_DEVICES: String(d), TF_FORCE_GPU_ALLOW_GROWTH: "true" } });

/** A WebGPU adapter: by index through evogan's Vulkan device layer, else by name through Dawn's adapter flag. */
export function webgpuPin(a: WebgpuDevice): DevicePin {
  if (a.pinnedBy === "layer") return { index: a.index, label: `WebGPU adapter ${a.index}, ${a.name} (EVOGAN_VULKAN_DEVICE=${a.index})`, env: deviceLayerEnv(a.index) };
  const flags = `adapter=${dawnAdapterFlag(a.name)},backend=${a.backend}`;
  return { index: a.index, label: `WebGPU adapter ${a.index}, ${a.name} (EVOGAN_DAWN_FLAGS=${flags})`, env: { EVOGAN_DAWN_FLAGS: flags } };
}

export interface DevicePool extends MemberPool {
  /** The device index of each host, in slot order (slots of host h: h*threadsPerDevice ...). */
  readonly devices: readonly number[];
  readonly threadsPerDevice: number;
  /** Asks the host serving `slot` who it is (pid, the pinning variables); starts it if needed. */
  whoami(slot: number): Promise<HostIdentity>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (e: Error) => void;
}

/** One forked host and the requests it owes answers to. */
class Host {
  readonly child: ChildProcess;
  readonly ready: Promise<HostIdentity>;
  readonly exited: Promise<void>;
  readonly pending = new Map<number, Pending>();
  alive = true;

  constructor(
    readonly pin: DevicePin,
    threads: number,
    options: DevicePoolOptions,
    /** Called when the process exits, before its pending requests are failed. */
    onExit: () => void = () => {},
  ) {
    this.child = fork(DEVICE_HOST_FILE, [String(threads)], {
      execArgv: ["--import", tsxLoader()],
      serialization: "advanced",
      env: { ...process.env, ...options.env, ...pin.env },
    });
    const device = pin.index;
    const label = pin.label;
    let resolveExit!: () => void;
    this.exited = new Promise((r) => (resolveExit = r));

    this.ready = new Promise<HostIdentity>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new DeviceHostExited(device, `${label}: host process did not start within ${options.startTimeoutMs ?? 60_000} ms`));
        this.child.kill("SIGKILL");
      }, options.startTimeoutMs ?? 60_000);
      timer.unref();
      this.child.on("message", (m: HostReply) => {
        if ("kind" in m) {
          clearTimeout(timer);
          resolve(m.identity);
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return; // aborted meanwhile
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(fromWire(m.error) ?? Object.assign(new Error(m.error.message), { name: m.error.name }));
      });
      this.child.on("error", () => {
        // fork failures and failed sends surface here; 'exit' follows and does the reporting
      });
      this.child.once("exit", (code, signal) => {
        clearTimeout(timer);
        this.alive = false;
        onExit();
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const err = new DeviceHostExited(device, `${label}: host process ${this.child.pid} ${how}; members resident on this GPU are lost`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolveExit();
      });
    });
    this.ready.catch(() => {}); // observed through run(); avoid an unhandled rejection when nobody waits
  }

  request(message: HostRequest, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError(signal.reason));
      if (!this.alive || !this.child.connected) {
        return reject(new DeviceHostExited(this.pin.index, `${this.pin.label}: host process ${this.child.pid} is gone`));
      }
      const onAbort = (): void => {
        if (!this.pending.delete(message.id)) return;
        if (this.child.connected) this.child.send({ id: message.id, kind: "abort" } satisfies HostRequest, undefined, undefined, () => {});
        reject(new AbortError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (): void => signal?.removeEventListener("abort", onAbort);
      this.pending.set(message.id, {
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      this.child.send(message, undefined, undefined, (err) => {
        if (err && this.pending.delete(message.id)) {
          done();
          reject(new DeviceHostExited(this.pin.index, `${this.pin.label}: could not send to host process ${this.child.pid}: ${err.message}`));
        }
      });
    });
  }
}

/**
 * A host's own pool tells a dead thread's task (WorkerCrashed) from a lost member's (MemberLost),
 * and both cross IPC by tag; a WorkerCrashed names the host's own thread, which is this pool's
 * `slot`.
 */
function fromHost(e: unknown, slot: number): unknown {
  return e instanceof WorkerCrashed ? new WorkerCrashed(e.message, [slot], { cause: e }) : e;
}

/** Waits for a (re)starting host, giving up early when the task is aborted meanwhile. */
async function untilReady(host: Host, signal?: AbortSignal): Promise<void> {
  if (!signal) return void (await host.ready);
  if (signal.aborted) throw new AbortError(signal.reason);
  let onAbort = (): void => {};
  try {
    await Promise.race([host.ready, new Promise<never>((_, reject) => signal.addEventListener("abort", (onAbort = () => reject(new AbortError(signal.reason))), { once: true }))]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Forks one host per device (a CUDA GPU index, or any pin) and waits until each listens. */
export async function devicePool(devices: readonly (number | DevicePin)[], threadsPerDevice = 1, options: DevicePoolOptions = {}): Promise<DevicePool> {
  if (devices.length === 0) throw new Error("devicePool needs at least one device");
  const pins = devices.map((d) => (typeof d === "number" ? cudaPin(d) : d));
  if (!Number.isInteger(threadsPerDevice) || threadsPerDevice < 1) throw new Error(`threadsPerDevice must be a positive integer, got ${threadsPerDevice}`);
  const slots = devices.length * threadsPerDevice;
  const residency = new Residency(slots);
  let nextId = 1;
  let destroyed = false;
  /** Host h serves slots h*threadsPerDevice ...; when it dies, every one of them lost its worker. */
  const startHost = (h: number): Host =>
    new Host(pins[h], threadsPerDevice, options, () => destroyed || residency.died(Array.from({ length: threadsPerDevice }, (_, t) => h * threadsPerDevice + t)));
  const hosts = pins.map((_, h) => startHost(h));

  const destroyAll = async (): Promise<void> => {
    destroyed = true;
    await Promise.all(
      hosts.map(async (h) => {
        if (!h.alive) return;
        if (h.child.connected) h.child.disconnect();
        const timer = setTimeout(() => h.child.kill("SIGKILL"), options.exitTimeoutMs ?? 15_000);
        await h.exited;
        clearTimeout(timer);
      }),
    );
  };

  try {
    await Promise.all(hosts.map((h) => h.ready));
  } catch (e) {
    await destroyAll();
    throw e;
  }

  /** The live host for slot's GPU, restarting it if the previous one died. */
  const hostFor = (slot: number): Host => {
    if (destroyed) throw new Error("device pool was destroyed");
    if (!Number.isInteger(slot) || slot < 0 || slot >= slots) throw new RangeError(`slot ${slot} out of range: this pool has ${slots} slots`);
    const h = Math.floor(slot / threadsPerDevice);
    if (!hosts[h].alive) hosts[h] = startHost(h);
    return hosts[h];
  };

  return {
    slots,
    devices: pins.map((p) => p.index),
    threadsPerDevice,
    describe: Array.from({ length: slots }, (_, s) => `${pins[Math.floor(s / threadsPerDevice)].label}, thread ${s % threadsPerDevice}`),
    run: <T>(slot: number, task: WorkerTask, signal?: AbortSignal): Promise<T> =>
      residency.run(slot, task, async () => {
        const host = hostFor(slot);
        await untilReady(host, signal);
        try {
          return (await host.request({ id: nextId++, slot: slot % threadsPerDevice, task }, signal)) as T;
        } catch (e) {
          throw fromHost(e, slot);
        }
      }),
    whoami: async (slot: number): Promise<HostIdentity> => {
      const host = hostFor(slot);
      await host.ready;
      return (await host.request({ id: nextId++, kind: "whoami" })) as HostIdentity;
    },
    destroy: destroyAll,
  };
}

/** The pool a plan asks for: worker threads here for "cpu", one host process per GPU ("gpu") or WebGPU adapter ("webgpu"). */
export async function memberPoolFor(plan: DevicePlan, options: DevicePoolOptions & { readonly threadsPerDevice?: number } = {}): Promise<MemberPool> {
  if (plan.kind === "cpu") return localMemberPool(plan.threads);
  return devicePool(plan.kind === "gpu" ? plan.devices : plan.adapters.map(webgpuPin), options.threadsPerDevice, options);
}
