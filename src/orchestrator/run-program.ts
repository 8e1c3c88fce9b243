// `evogan run` and `evogan resume <runDir>` as an Effect program: one E-GAN member trained in the
// worker pool, segment by segment, its records streamed into the run directory as they arrive.
// Evaluations (metrics, picture, checkpoint) happen every `eval.every` iterations and at the end.
// Interruption or failure leaves run.json saying so, with the records and the last checkpoint
// intact; run.json carries the pid, host and a heartbeat, so a killed run reads as "crashed",
// and the stamps of what made it (src/orchestrator/stamps.ts).
//
// Resume continues from the newest intact checkpoint (latest, else previous, else the start),
// with events.jsonl cut back to that checkpoint's iteration. Training is deterministic given the
// checkpoint, so the resumed run writes the records an uninterrupted one would have written.
import { Effect, Exit } from "effect";
import type { RunConfig } from "../config/run-config.ts";
import type { EndRecord, EvalMetrics, EvalRecord, RunInfo, RunStatus } from "../records.ts";
import { metricsSummary, samplesPath } from "./evaluation-output.ts";
import { TrainingDiverged } from "../errors.ts";
import { memberConfig } from "./member-config.ts";
import { Progress } from "./progress.ts";
import { LATEST_CHECKPOINT, makeInfoKeeper, PREVIOUS_CHECKPOINT, RunStore, type RunHandle } from "./run-store.ts";
import { stampFields, takeStamps } from "./stamps.ts";
import type { AdvanceResult, EganMemberConfig, InitResult, MemberState } from "../worker/protocol.ts";
import { Workers } from "./workers.ts";

/** Iterations per worker task between progress updates (records are written per segment). */
const SEGMENT = 100;
const MEMBER = "member-0";
/** One member, one worker slot. */
const SLOT = 0;

/** What a run's checkpoint holds: the member's config and state, the iteration it covers, and the wall time spent. */
export interface RunCheckpoint {
  readonly kind: "egan-toy" | "egan-image";
  readonly config: EganMemberConfig;
  readonly state: MemberState;
  /** Absent in checkpoints from before resume: then the trainer state's own iteration. */
  readonly it?: number;
  readonly wallMs?: number;
}

export interface RunOutcome {
  readonly run: RunHandle;
  readonly backend: string;
  readonly iterations: number;
  readonly metrics?: EvalMetrics;
  readonly itersPerSec: number;
}

/** Where a resumed run continues: its directory and the run.json it had. */
export interface ResumePoint {
  readonly run: RunHandle;
  /** Absent when the run was killed before it wrote run.json. */
  readonly info?: RunInfo;
}

/** The newest intact checkpoint of a run being resumed (latest, else previous), each fallback said; undefined: start over. */
const resumeCheckpoint = (run: RunHandle) =>
  Effect.gen(function* () {
    const store = yield* RunStore;
    const progress = yield* Progress;
    for (const rel of [LATEST_CHECKPOINT, PREVIOUS_CHECKPOINT]) {
      const r = yield* Effect.result(store.readCheckpoint(run, rel));
      if (r._tag === "Success") return r.success as RunCheckpoint;
      // A missing latest.ckpt is normal before the first evaluation; anything else is worth a line.
      if (!r.failure.missing) yield* progress.line(`  warning: ${r.failure.message}; trying an older checkpoint`);
    }
    return undefined;
  });

export interface RunOptions {
  readonly resume?: ResumePoint;
  /** Told the run directory as soon as it exists (for the CLI's interruption message). */
  readonly onDir?: (dir: string) => void;
}

export const runEgan = (config: RunConfig, { resume, onDir }: RunOptions = {}) =>
  Effect.gen(function* () {
    const store = yield* RunStore;
    const workers = yield* Workers;
    const progress = yield* Progress;
    const member = memberConfig(config);
    if (resume) yield* store.removeTemporaries(resume.run);
    const saved = resume ? yield* resumeCheckpoint(resume.run) : undefined;
    const { backend, matmul } = yield* workers.run<InitResult>(SLOT, { kind: "init", memberId: MEMBER, backend: config.backend, config: member, state: saved?.state });
    const run = resume ? resume.run : yield* store.create(config.outDir, config.name, config);
    onDir?.(run.dir);
    const startIt = saved ? (saved.it ?? saved.state.trainer.it) : 0;
    // The log goes back to what the checkpoint holds: records past it are trained again.
    if (resume) yield* store.truncateEvents(run, startIt);
    const total = config.budget.iterations;
    const t = config.trainer;
    yield* progress.line(
      `evogan ${resume ? "resume" : "run"} ${run.dir}: backend ${backend} (matmul: ${matmul}), ${config.task.dataset}, ${t.mutations.length > 1 ? `E-GAN (${t.mutations.join(", ")})` : `single loss (${t.mutations[0]})`}, μ=${t.mu}, γ=${t.gamma}, ${total} iterations, seed ${config.seed}${resume ? `, from iteration ${startIt}` : ""}`,
    );
    const info = yield* makeInfoKeeper((_: "run", i) => store.writeInfo(run, i));
    // What made the run (src/orchestrator/stamps.ts): a resume keeps the first stamps and adds its own.
    const stamps = stampFields(resume?.info, yield* Effect.promise(() => takeStamps(config, { backend, matmul })));
    const base = { name: run.name, backend, startedAt: resume?.info?.startedAt ?? new Date().toISOString(), seed: config.seed, iterations: total, ...stamps };
    const setStatus = (status: RunStatus) => info.set("run", { ...base, status });
    yield* setStatus("running");
    yield* info.keepBeating;

    const train = Effect.gen(function* () {
      let it = startIt;
      let trainMs = saved?.state.trainMs ?? 0;
      let metrics: EvalMetrics | undefined;
      // A wall-clock budget (equal-compute comparisons): no segment starts after the deadline; a
      // resumed run has what its earlier part left of it.
      const started = Date.now() - (saved?.wallMs ?? 0);
      const deadline = config.budget.seconds === undefined ? Infinity : started + 1000 * config.budget.seconds;
      let evaluatedAt = startIt;
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
          return yield* Effect.fail(new TrainingDiverged(res.divergedAt, `training diverged at iteration ${res.divergedAt}: every child's fitness was NaN (records kept in ${run.dir})`));
        }
        const rate = (it / trainMs) * 1000;
        if (res.evaluation) {
          const ev = res.evaluation;
          metrics = ev.metrics;
          evaluatedAt = ev.it;
          const plot = yield* store.writeFile(run, samplesPath(ev.it), ev.png);
          const record: EvalRecord = { type: "eval", it: ev.it, metrics: ev.metrics, plot, elapsedMs: Math.round(trainMs) };
          yield* store.appendEvents(run, [record]);
          const state = yield* workers.run<MemberState>(SLOT, { kind: "export", memberId: MEMBER });
          yield* store.rotateCheckpoint(run, { kind: kindOf(member), config: member, state, it: ev.it, wallMs: Date.now() - started } satisfies RunCheckpoint);
          yield* progress.line(
            `  it ${String(ev.it).padStart(String(total).length)}/${total}  ${metricsSummary(ev.metrics)}  ${rate.toFixed(1)} it/s`,
          );
        }
        yield* progress.bar("it", it, total);
        if (timeUp) break;
      }
      const state = yield* workers.run<MemberState>(SLOT, { kind: "export", memberId: MEMBER });
      yield* store.writeCheckpoint(run, "checkpoints/final.ckpt", { kind: kindOf(member), config: member, state, it, wallMs: Date.now() - started } satisfies RunCheckpoint);
      const itersPerSec = (it / trainMs) * 1000;
      const end: EndRecord = { type: "end", it, elapsedMs: Math.round(trainMs), itersPerSec };
      yield* store.appendEvents(run, [end]);
      return { run, backend, iterations: it, metrics, itersPerSec } satisfies RunOutcome;
    });

    return yield* train.pipe(Effect.onExit((exit) => setStatus(Exit.isSuccess(exit) ? "finished" : Exit.hasInterrupts(exit) ? "interrupted" : "failed").pipe(Effect.ignore)));
  });

const kindOf = (member: EganMemberConfig): RunCheckpoint["kind"] => (member.kind === "image" ? "egan-image" : "egan-toy");
