// `evogan run` as an Effect program: one E-GAN member trained in the worker pool, segment by
// segment, its records streamed into the run directory as they arrive. Evaluations (toy metrics,
// scatter plot, checkpoint) happen every `eval.every` iterations and at the end. Interruption or
// failure leaves run.json saying so, with the records and the last checkpoint intact.
import { Effect, Exit } from "effect";
import type { RunConfig } from "../config/run-config.ts";
import type { EndRecord, EvalMetrics, EvalRecord } from "../records.ts";
import { evaluationPng, metricsSummary, samplesPath } from "./evaluation-output.ts";
import { TrainingDiverged } from "./errors.ts";
import { memberConfig } from "./member-config.ts";
import { Progress } from "./progress.ts";
import { RunStore, runInfo, type RunHandle } from "./run-store.ts";
import type { AdvanceResult, InitResult, MemberState } from "../worker/protocol.ts";
import { Workers } from "./workers.ts";

/** Iterations per worker task between progress updates (records are written per segment). */
const SEGMENT = 100;
const MEMBER = "member-0";
/** One member, one worker slot. */
const SLOT = 0;

export interface RunOutcome {
  readonly run: RunHandle;
  readonly backend: string;
  readonly iterations: number;
  readonly metrics?: EvalMetrics;
  readonly itersPerSec: number;
}

export const runEgan = (config: RunConfig) =>
  Effect.gen(function* () {
    const store = yield* RunStore;
    const workers = yield* Workers;
    const progress = yield* Progress;
    const member = memberConfig(config);
    const { backend, matmul } = yield* workers.run<InitResult>(SLOT, { kind: "init", memberId: MEMBER, backend: config.backend, config: member });
    const run = yield* store.create(config.outDir, config.name, config);
    const total = config.budget.iterations;
    const t = config.trainer;
    yield* progress.line(
      `evogan run ${run.dir}: backend ${backend} (matmul: ${matmul}), ${config.task.dataset}, ${t.mutations.length > 1 ? `E-GAN (${t.mutations.join(", ")})` : `single loss (${t.mutations[0]})`}, μ=${t.mu}, γ=${t.gamma}, ${total} iterations, seed ${config.seed}`,
    );
    const base = { name: run.name, backend, startedAt: new Date().toISOString(), seed: config.seed, iterations: total };
    yield* store.writeInfo(run, runInfo(base, "running"));

    const train = Effect.gen(function* () {
      let it = 0;
      let trainMs = 0;
      let metrics: EvalMetrics | undefined;
      // A wall-clock budget (equal-compute comparisons): no segment starts after the deadline.
      const deadline = config.budget.seconds === undefined ? Infinity : Date.now() + 1000 * config.budget.seconds;
      let evaluatedAt = 0;
      while (it < total) {
        const every = config.eval.every;
        const timeUp = Date.now() >= deadline;
        if (timeUp && evaluatedAt === it) break;
        // Out of time: one last task that trains nothing and evaluates where training stopped.
        const k = timeUp ? 0 : Math.min(SEGMENT, every - (it % every), total - it);
        const evaluate = timeUp || (it + k) % every === 0 || it + k === total;
        const res = yield* workers.run<AdvanceResult>(SLOT, { kind: "advance", memberId: MEMBER, iterations: k, evaluate: evaluate ? { samples: config.eval.samples } : undefined });
        trainMs += res.trainMs;
        yield* store.appendEvents(run, res.records);
        it = res.records.at(-1)?.it ?? it;
        if (res.divergedAt !== undefined) {
          return yield* Effect.fail(new TrainingDiverged({ iteration: res.divergedAt, message: `training diverged at iteration ${res.divergedAt}: every child's fitness was NaN (records kept in ${run.dir})` }));
        }
        const rate = (it / trainMs) * 1000;
        if (res.evaluation) {
          const ev = res.evaluation;
          metrics = ev.metrics;
          evaluatedAt = ev.it;
          const plot = yield* store.writeFile(run, samplesPath(ev.it), evaluationPng(ev, config.task.dataset));
          const record: EvalRecord = { type: "eval", it: ev.it, metrics: ev.metrics, plot, elapsedMs: Math.round(trainMs) };
          yield* store.appendEvents(run, [record]);
          const state = yield* workers.run<MemberState>(SLOT, { kind: "export", memberId: MEMBER });
          yield* store.writeCheckpoint(run, "checkpoints/latest.ckpt", { kind: member.kind === "image" ? "egan-image" : "egan-toy", config: member, state });
          yield* progress.line(
            `  it ${String(ev.it).padStart(String(total).length)}/${total}  ${metricsSummary(ev.metrics)}  ${rate.toFixed(1)} it/s`,
          );
        }
        yield* progress.bar("it", it, total);
        if (timeUp) break;
      }
      const state = yield* workers.run<MemberState>(SLOT, { kind: "export", memberId: MEMBER });
      yield* store.writeCheckpoint(run, "checkpoints/final.ckpt", { kind: member.kind === "image" ? "egan-image" : "egan-toy", config: member, state });
      const itersPerSec = (it / trainMs) * 1000;
      const end: EndRecord = { type: "end", it, elapsedMs: Math.round(trainMs), itersPerSec };
      yield* store.appendEvents(run, [end]);
      return { run, backend, iterations: it, metrics, itersPerSec } satisfies RunOutcome;
    });

    return yield* train.pipe(
      Effect.onExit((exit) =>
        store
          .writeInfo(run, runInfo(base, Exit.isSuccess(exit) ? "finished" : Exit.hasInterrupts(exit) ? "interrupted" : "failed"))
          .pipe(Effect.ignore),
      ),
    );
  });
