// Entry of a device host: a child process that owns one GPU. CUDA reads CUDA_VISIBLE_DEVICES
// once per *process*, and Piscina's worker threads share their process (a thread's `env` is a
// JS copy that native libraries never see), so the only way to pin work to GPU i is a process
// started with CUDA_VISIBLE_DEVICES=i. device-pool.ts forks one of these per GPU, with
// `serialization: "advanced"` so that typed arrays (weights, samples) cross IPC as themselves.
// The host runs its own Piscina pool (one single-thread pool per slot, as on a CPU machine) and
// serves the messages below; when the parent disconnects (or dies) it destroys the pool and exits.
//
// Usage: fork(thisFile, [String(threads)], { execArgv: ["--import", "tsx"], serialization: "advanced",
//        env: { ...process.env, CUDA_VISIBLE_DEVICES: "1", TF_FORCE_GPU_ALLOW_GROWTH: "true" } })
import type { WorkerTask } from "../worker/protocol.ts";
import { isEvoganError, toWire, type WireError } from "../errors.ts";
import { localMemberPool } from "./member-pool.ts";

/** Parent → host. `slot` is the thread inside this host. */
export type HostRequest =
  | { readonly id: number; readonly slot: number; readonly task: WorkerTask }
  | { readonly id: number; readonly kind: "abort" }
  | { readonly id: number; readonly kind: "whoami" };

export interface HostIdentity {
  readonly pid: number;
  /** This process's CUDA_VISIBLE_DEVICES, as CUDA will read it. */
  readonly cudaVisibleDevices: string | undefined;
  /** This process's EVOGAN_VULKAN_DEVICE, as evogan's Vulkan device layer will read it (src/compute/vulkan-device-layer.ts). */
  readonly vulkanDevice: string | undefined;
  /** This process's EVOGAN_DAWN_FLAGS, as the webgpu backend will read them. */
  readonly dawnFlags: string | undefined;
  readonly threads: number;
}

/** Host → parent. `ready` comes once, when the host listens; every request with a task or whoami gets one reply. */
export type HostReply =
  | { readonly kind: "ready"; readonly identity: HostIdentity }
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  /** A failure: one of evogan's errors as its wire form (rebuilt by tag in the parent), anything else as its name and message. */
  | { readonly id: number; readonly ok: false; readonly error: WireError | { readonly message: string; readonly name: string } };

function serve(): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("device-host must be started with child_process.fork (it talks to its parent over IPC)");
  const threads = Number(process.argv[2] ?? "1");
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`device-host: bad thread count '${process.argv[2]}'`);

  if (!process.connected) process.exit(0); // the parent gave up while this host was loading

  const { CUDA_VISIBLE_DEVICES: cudaVisibleDevices, EVOGAN_VULKAN_DEVICE: vulkanDevice, EVOGAN_DAWN_FLAGS: dawnFlags } = process.env;
  const identity: HostIdentity = { pid: process.pid, cudaVisibleDevices, vulkanDevice, dawnFlags, threads };
  const pool = localMemberPool(threads);
  const running = new Map<number, AbortController>();

  const reply = (m: HostReply): void => {
    if (process.connected) send(m, undefined, undefined, () => {}); // the parent may be gone: nothing to tell then
  };

  process.on("message", (m: HostRequest) => {
    if ("kind" in m) {
      if (m.kind === "abort") running.get(m.id)?.abort();
      else reply({ id: m.id, ok: true, result: identity });
      return;
    }
    const { id, slot, task } = m;
    if (!Number.isInteger(slot) || slot < 0 || slot >= threads) {
      reply({ id, ok: false, error: { name: "RangeError", message: `slot ${slot} out of range: this host has ${threads} thread(s)` } });
      return;
    }
    const abort = new AbortController();
    running.set(id, abort);
    void pool.run<unknown>(slot, task, abort.signal).then(
      (result) => reply({ id, ok: true, result }),
      (e: unknown) => reply({ id, ok: false, error: isEvoganError(e) ? toWire(e) : e instanceof Error ? { message: e.message, name: e.name } : { message: String(e), name: "Error" } }),
    ).finally(() => running.delete(id));
  });

  // The parent disconnects on destroy, and the channel closes when the parent dies: either way
  // this host has no one to work for. A pool that does not wind down in 10 s is cut short.
  process.once("disconnect", () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    pool.destroy().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });

  reply({ kind: "ready", identity });
}

serve();
