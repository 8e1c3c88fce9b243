// Where members train: a fixed number of slots, each a worker that keeps the members assigned
// to it resident between tasks. On a CPU machine a slot is one worker thread (its own
// single-thread Piscina pool, so tasks for a member always land on the thread that holds it);
// on a GPU machine a slot is a worker thread inside the child process pinned to one GPU
// (src/orchestrator/device-pool.ts). The orchestrator sees only this interface.
//
// A worker that dies (a crash, out of memory, a killed host process) takes every member it held
// with it. The pools tell the two sides of that apart (Residency, below): the task the worker was
// running fails with WorkerCrashed, and any task of a member it held fails with MemberLost until
// an `init` puts that member back, so that the orchestrator can charge the crash to the one member
// whose task was running and restore the others without counting it against them.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import type { WorkerTask } from "../worker/protocol.ts";
import { fromWire, MemberLost, WorkerCrashed } from "../errors.ts";

export interface MemberPool {
  /** Number of slots; tasks name the slot whose worker holds the member. */
  readonly slots: number;
  /** Human-readable description of each slot, e.g. "cpu thread 0" or "GPU 1 (CUDA_VISIBLE_DEVICES=1)". */
  readonly describe: readonly string[];
  run<T>(slot: number, task: WorkerTask, signal?: AbortSignal): Promise<T>;
  destroy(): Promise<void>;
}

interface InFlight {
  /** Set when the worker died while running this task: the slots it took down. */
  crashed?: readonly number[];
  /** Set when the worker died while this task waited behind another. */
  orphaned?: boolean;
}

const isAbort = (e: unknown): boolean => e instanceof Error && e.name === "AbortError";

/**
 * Which members each slot's worker holds, so that a worker's death is answered for what it is.
 * A slot runs one task at a time, in the order given, so the oldest unfinished task of a slot is
 * the one its worker was running when it died: that task fails with WorkerCrashed. Every member
 * the worker held is lost: a task of a lost member fails with MemberLost (whether it was queued
 * behind the crash or sent later) until an `init` puts the member back; a `release` of a lost
 * member has nothing to release.
 */
export class Residency {
  private readonly resident: Array<Set<string>>;
  private readonly lost: Array<Set<string>>;
  private readonly inFlight: Array<InFlight[]>;

  constructor(slots: number) {
    this.resident = Array.from({ length: slots }, () => new Set());
    this.lost = Array.from({ length: slots }, () => new Set());
    this.inFlight = Array.from({ length: slots }, () => []);
  }

  /** The worker(s) serving `slots` died; call it before their tasks are failed. */
  died(slots: readonly number[]): void {
    for (const s of slots) {
      const [running, ...queued] = this.inFlight[s];
      if (running) running.crashed = slots;
      for (const t of queued) t.orphaned = true;
      for (const id of this.resident[s]) this.lost[s].add(id);
      this.resident[s].clear();
    }
  }

  /** Runs `task` on `slot` through `send`, keeping residency and classifying a failure. */
  async run<T>(slot: number, task: WorkerTask, send: () => Promise<T>): Promise<T> {
    if (!this.inFlight[slot]) return send(); // out of range: the pool says so
    const id = task.memberId;
    const lost = (): MemberLost => new MemberLost(`member ${id} was lost: the worker that held it died`);
    if (task.kind !== "init" && this.lost[slot].has(id)) {
      if (task.kind !== "release") throw lost();
      this.lost[slot].delete(id);
      return null as T;
    }
    const t: InFlight = {};
    const queue = this.inFlight[slot];
    queue.push(t);
    try {
      const result = await send();
      if (task.kind === "init") {
        this.lost[slot].delete(id);
        this.resident[slot].add(id);
      } else if (task.kind === "release") this.resident[slot].delete(id);
      return result;
    } catch (e) {
      if (isAbort(e)) throw e;
      if (t.crashed) throw new WorkerCrashed(e instanceof Error ? e.message : String(e), t.crashed, { cause: e });
      if (t.orphaned || (task.kind !== "init" && this.lost[slot].has(id))) throw lost();
      throw e;
    } finally {
      queue.splice(queue.indexOf(t), 1);
    }
  }
}

/** A task's failure as the worker thread sent it: an evogan error comes as its wire form (egan-worker.ts) and is rebuilt into its class. */
const fromThread = (e: unknown): never => {
  throw fromWire(e) ?? e;
};

export const WORKER_FILE = new URL("../worker/egan-worker.ts", import.meta.url).href;

/** tsx's loader as an absolute URL: `--import tsx` alone resolves from the cwd and fails outside the repo. */
export const TSX_IMPORT = ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href];

/** One single-thread Piscina pool per slot: a member stays on its thread; a crashed thread is replaced by Piscina (its members are lost). */
export function localMemberPool(threads: number, options: { resourceLimits?: { maxOldGenerationSizeMb?: number } } = {}): MemberPool {
  const pools = Array.from(
    { length: threads },
    () => new Piscina({ filename: WORKER_FILE, minThreads: 1, maxThreads: 1, idleTimeout: 60_000, execArgv: TSX_IMPORT, resourceLimits: options.resourceLimits }),
  );
  const describe = pools.map((_, i) => `cpu thread ${i}`);
  const residency = new Residency(threads);
  let destroying = false;
  // Piscina emits this synchronously before it fails the dead worker's task (and for an aborted
  // running task, whose worker it terminates; an idle worker it retires loses its members too).
  pools.forEach((p, slot) => p.on("workerDestroy", () => destroying || residency.died([slot])));
  return {
    slots: threads,
    describe,
    run: <T>(slot: number, task: WorkerTask, signal?: AbortSignal) => residency.run(slot, task, () => (pools[slot].run(task, { signal }) as Promise<T>).catch(fromThread)),
    destroy: async () => {
      destroying = true;
      await Promise.all(pools.map((p) => p.destroy()));
    },
  };
}
