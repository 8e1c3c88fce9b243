// The worker pool as an Effect service: the MemberPool (local threads, per-GPU processes or the
// Redis queue) acquired for the program's scope and destroyed with it. Task failures are told
// apart by tag (the pools rebuild evogan's errors that cross a thread, process or queue boundary,
// src/errors.ts): BackendMissing and PoolLost stop the program as they are; anything else becomes
// WorkerFailed, marked `lost` when the worker died under the task (WorkerCrashed) or had died
// holding the task's member (MemberLost).
import { Context, Effect, Layer } from "effect";
import type { WorkerTask } from "../worker/protocol.ts";
import { BackendMissing, isEvoganError, PoolLost, WorkerFailed } from "../errors.ts";
import type { MemberPool } from "./member-pool.ts";

export class Workers extends Context.Service<
  Workers,
  {
    readonly slots: number;
    readonly describe: readonly string[];
    readonly run: <A>(slot: number, task: WorkerTask) => Effect.Effect<A, WorkerFailed | BackendMissing | PoolLost>;
  }
>()("evogan/Workers") {}

/** A task's failure as the program sees it. */
function taskFailure(e: unknown, task: WorkerTask, where: string): WorkerFailed | BackendMissing | PoolLost {
  if (isEvoganError(e) && (e._tag === "BackendMissing" || e._tag === "PoolLost")) return e;
  const tag = isEvoganError(e) ? e._tag : undefined;
  return new WorkerFailed({
    message: `${task.kind} of member ${task.memberId} on ${where}: ${e instanceof Error ? e.message : String(e)}`,
    cause: e,
    lost: tag === "WorkerCrashed" ? "crashed" : tag === "MemberLost" ? "member" : undefined,
  });
}

export function workersLayer(make: () => Promise<MemberPool>) {
  return Layer.effect(
    Workers,
    Effect.gen(function* () {
      const pool = yield* Effect.acquireRelease(Effect.promise(make), (p) => Effect.promise(() => p.destroy()));
      return {
        slots: pool.slots,
        describe: pool.describe,
        run: <A>(slot: number, task: WorkerTask) =>
          Effect.tryPromise({
            try: (signal) => pool.run<A>(slot, task, signal),
            catch: (e) => taskFailure(e, task, pool.describe[slot]),
          }),
      };
    }),
  );
}
