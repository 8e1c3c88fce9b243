// The worker pool as an Effect service: the MemberPool (local threads or per-GPU processes)
// acquired for the program's scope and destroyed with it; task failures become WorkerFailed
// (or BackendMissing when the backend cannot load), marked `lost` when the worker died under the
// task (WorkerCrashed) or had died holding the task's member (MemberLost).
import { Context, Effect, Layer } from "effect";
import type { WorkerTask } from "../worker/protocol.ts";
import { BackendMissing, PoolLost as PoolLostError, WorkerFailed } from "../errors.ts";
import { MemberLost, PoolLost, WorkerCrashed, type MemberPool } from "./member-pool.ts";

export class Workers extends Context.Service<
  Workers,
  {
    readonly slots: number;
    readonly describe: readonly string[];
    readonly run: <A>(slot: number, task: WorkerTask) => Effect.Effect<A, WorkerFailed | BackendMissing | PoolLostError>;
  }
>()("evogan/Workers") {}

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
            catch: (e) => {
              const message = e instanceof Error ? e.message : String(e);
              if (e instanceof PoolLost) return new PoolLostError({ message });
              return message.startsWith("backend '")
                ? new BackendMissing({ message })
                : new WorkerFailed({
                    message: `${task.kind} of member ${task.memberId} on ${pool.describe[slot]}: ${message}`,
                    cause: e,
                    lost: e instanceof WorkerCrashed ? "crashed" : e instanceof MemberLost ? "member" : undefined,
                  });
            },
          }),
      };
    }),
  );
}
