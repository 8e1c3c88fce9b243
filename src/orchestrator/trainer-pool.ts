// The worker pool service: a Piscina pool whose threads train members. A member stays resident
// in its worker; with one thread (this single-member runs) every task lands on it.
// Interrupting a task aborts it through Piscina, which replaces the worker.
import { availableParallelism } from "node:os";
import { Context, Effect, Layer } from "effect";
import { Piscina } from "piscina";
import type { BackendChoice } from "../compute/backend.ts";
import type { AdvanceResult, EganMemberConfig, InitResult, MemberState, WorkerTask } from "../worker/protocol.ts";
import { BackendMissing, WorkerFailed } from "./errors.ts";
import { TSX_IMPORT, WORKER_FILE } from "./member-pool.ts";

export class TrainerPool extends Context.Service<
  TrainerPool,
  {
    readonly init: (memberId: string, backend: BackendChoice, config: EganMemberConfig, state?: MemberState) => Effect.Effect<InitResult, WorkerFailed | BackendMissing>;
    readonly advance: (memberId: string, iterations: number, evaluate?: { samples: number }) => Effect.Effect<AdvanceResult, WorkerFailed>;
    readonly exportState: (memberId: string) => Effect.Effect<MemberState, WorkerFailed>;
  }
>()("evogan/TrainerPool") {}



function run<A>(pool: Piscina, task: WorkerTask): Effect.Effect<A, WorkerFailed | BackendMissing> {
  return Effect.tryPromise({
    try: (signal) => pool.run(task, { signal }) as Promise<A>,
    catch: (e) => {
      const message = e instanceof Error ? e.message : String(e);
      return message.startsWith("backend '")
        ? new BackendMissing({ message })
        : new WorkerFailed({ message: `worker failed on '${task.kind}' for member ${task.memberId}: ${message}`, cause: e });
    },
  });
}

/** A pool of `threads` workers (default: one per core) running TypeScript through tsx. */
export function trainerPoolLayer(threads = availableParallelism()) {
  return Layer.effect(
    TrainerPool,
    Effect.gen(function* () {
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => new Piscina({ filename: WORKER_FILE, minThreads: 1, maxThreads: threads, idleTimeout: 60_000, execArgv: TSX_IMPORT })),
        (p) => Effect.promise(() => p.destroy()),
      );
      return {
        init: (memberId, backend, config, state) => run<InitResult>(pool, { kind: "init", memberId, backend, config, state }),
        advance: (memberId, iterations, evaluate) => run<AdvanceResult>(pool, { kind: "advance", memberId, iterations, evaluate }).pipe(Effect.mapError((e) => (e._tag === "WorkerFailed" ? e : new WorkerFailed({ message: e.message })))),
        exportState: (memberId) => run<MemberState>(pool, { kind: "export", memberId }).pipe(Effect.mapError((e) => (e._tag === "WorkerFailed" ? e : new WorkerFailed({ message: e.message })))),
      };
    }),
  );
}
