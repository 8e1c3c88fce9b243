// Where members train: a fixed number of slots, each a worker that keeps the members assigned
// to it resident between tasks. On a CPU machine a slot is one worker thread (its own
// single-thread Piscina pool, so tasks for a member always land on the thread that holds it);
// on a GPU machine a slot is a worker thread inside the child process pinned to one GPU
// (src/orchestrator/device-pool.ts). The orchestrator sees only this interface.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import type { WorkerTask } from "../worker/protocol.ts";

export interface MemberPool {
  /** Number of slots; tasks name the slot whose worker holds the member. */
  readonly slots: number;
  /** Human-readable description of each slot, e.g. "cpu thread 0" or "GPU 1 (CUDA_VISIBLE_DEVICES=1)". */
  readonly describe: readonly string[];
  run<T>(slot: number, task: WorkerTask, signal?: AbortSignal): Promise<T>;
  destroy(): Promise<void>;
}

export const WORKER_FILE = new URL("../worker/egan-worker.ts", import.meta.url).href;

/** tsx's loader as an absolute URL: `--import tsx` alone resolves from the cwd and fails outside the repo. */
export const TSX_IMPORT = ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href];

/** One single-thread Piscina pool per slot: a member stays on its thread; a crashed thread is replaced by Piscina. */
export function localMemberPool(threads: number, options: { resourceLimits?: { maxOldGenerationSizeMb?: number } } = {}): MemberPool {
  const pools = Array.from(
    { length: threads },
    () => new Piscina({ filename: WORKER_FILE, minThreads: 1, maxThreads: 1, idleTimeout: 60_000, execArgv: TSX_IMPORT, resourceLimits: options.resourceLimits }),
  );
  return {
    slots: threads,
    describe: pools.map((_, i) => `cpu thread ${i}`),
    run: <T>(slot: number, task: WorkerTask, signal?: AbortSignal) => pools[slot].run(task, { signal }) as Promise<T>,
    destroy: async () => {
      await Promise.all(pools.map((p) => p.destroy()));
    },
  };
}
