// `evogan replay <sweepDir> [--member id]` as an Effect program: one run that follows a finished
// sweep member's lineage (src/orchestrator/replay-plan.ts) — the hyperparameter schedule PBT gave
// it and the weights it copied at each exploit — and writes a run directory like `evogan run`'s,
// which `evogan report` reads: config.json (the member's final run config), replay.json (the
// schedule), events.jsonl (the chain's records), samples/, checkpoints/final.ckpt.
//
// It trains through the same worker tasks the sweep used, in the same order: init, then per
// generation advance (K iterations and the evaluation) and export; at a copy the exported state
// goes through the checkpoint codec (the sweep read it back from the source's checkpoint file),
// continues with the target's random stream from the target's iteration count, and is put into
// the worker with the target's settings. On the same backend and machine the replay's records are
// the sweep's and its final state is the member's last checkpoint, bit for bit; each is checked,
// and a difference (another backend or machine rounds differently) is said, not fatal.
//
// A replay is not resumed: one that fails or is interrupted removes its directory.
import { readFile, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Effect, Exit, Fiber } from "effect";
import { hyperText } from "../../strategies/search-space.ts";
import { decodeSweepConfig } from "../config/sweep-config.ts";
import type { EndRecord, EvalRecord } from "../records.ts";
import { ConfigError, ConfigInvalid, isEvoganError, ReplayRefused, RunNotFound, RunStoreFailed, TrainingDiverged } from "../errors.ts";
import type { AdvanceResult, EganMemberConfig, InitResult, MemberState } from "../worker/protocol.ts";
import { reseedTrainer, retimeTrainer } from "../worker/protocol.ts";
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint } from "./checkpoint-file.ts";
import { metricsSummary, samplesPath } from "./evaluation-output.ts";
import { memberConfig } from "./member-config.ts";
import { Progress } from "./progress.ts";
import { lineageText, parseEvents, parseGenerations, planReplay, type LoggedRecord, type ReplayPlan, type SweepLog } from "./replay-plan.ts";
import type { RunCheckpoint } from "./run-program.ts";
import { makeInfoKeeper, RunStore, type RunHandle } from "./run-store.ts";
import { stampFields, takeStamps } from "./stamps.ts";
import type { SweepState } from "./sweep-state.ts";
import { Workers } from "./workers.ts";

/** The replay's member in its worker; no sweep member's id, so EVOGAN_FAULT_INJECT aimed at a sweep never hits it. */
const MEMBER = "replay";
/** One member, one worker slot. */
const SLOT = 0;

export interface ReplayOptions {
  /** The member to replay; default the sweep's best (replay-plan.ts `bestMember`). */
  readonly member?: string;
  /** Where the replay's run directory is made; default beside the sweep directory. */
  readonly outDir?: string;
}

export interface ReplayOutcome {
  readonly run: RunHandle;
  readonly plan: ReplayPlan;
  /** The first record that differs from the sweep's log, said in words; undefined: all equal. */
  readonly recordsDiffer?: string;
  /** Whether the final state equals the member's last sweep checkpoint (undefined: that checkpoint is gone). */
  readonly stateMatches?: boolean;
}

/** Reads a sweep directory's files for planReplay. */
async function readSweepLog(dir: string): Promise<SweepLog> {
  const read = (file: string, missing: () => Error) =>
    readFile(join(dir, file), "utf8").catch((e: NodeJS.ErrnoException) => {
      throw e.code === "ENOENT" || e.code === "ENOTDIR" ? missing() : e;
    });
  const configFile = join(dir, "sweep-config.json");
  const raw = await read("sweep-config.json", () => new RunNotFound({ path: dir, message: `not a sweep directory: ${dir} (no sweep-config.json)` }));
  const config = (() => {
    try {
      return decodeSweepConfig(JSON.parse(raw));
    } catch (e) {
      if (e instanceof ConfigError || e instanceof SyntaxError) throw new ConfigInvalid({ path: configFile, message: `${configFile}: ${e.message}` });
      throw e;
    }
  })();
  const stateText = await read("sweep.json", () => new ReplayRefused({ path: dir, reason: "unfinished", message: `${dir} has no sweep.json: the sweep stopped before its first generation, there is nothing to replay` }));
  let state: SweepState;
  try {
    state = JSON.parse(stateText) as SweepState;
  } catch (e) {
    throw new ReplayRefused({ path: join(dir, "sweep.json"), reason: "inconsistent", message: `${join(dir, "sweep.json")} is damaged (${(e as Error).message})` });
  }
  if (!Array.isArray(state.members)) throw new ReplayRefused({ path: join(dir, "sweep.json"), reason: "inconsistent", message: `${join(dir, "sweep.json")} lists no members` });
  const missing = (file: string) => () => new ReplayRefused({ path: join(dir, file), reason: "inconsistent", message: `${join(dir, file)} is missing` });
  const generations = parseGenerations(await read("sweep.jsonl", missing("sweep.jsonl")), join(dir, "sweep.jsonl"));
  const events = new Map<string, LoggedRecord[]>();
  for (const m of state.members) {
    const file = join("members", m.id, "events.jsonl");
    events.set(m.id, parseEvents(await read(file, missing(file)), join(dir, file)));
  }
  return { dir, config, state, generations, events };
}

/** A record without its wall-clock times, as JSON: what must match between sweep and replay. */
const comparable = ({ elapsedMs: _e, itersPerSec: _i, ...rest }: Readonly<Record<string, unknown>>) => JSON.stringify(rest);

/** The first of `made` that differs from `logged`, in words; undefined when they are the same. */
function firstDifference(made: readonly Readonly<Record<string, unknown>>[], logged: readonly LoggedRecord[], member: string): string | undefined {
  for (let i = 0; i < Math.max(made.length, logged.length); i++) {
    const a = made[i];
    const b = logged[i];
    if (a !== undefined && b !== undefined && comparable(a) === comparable(b)) continue;
    const at = a ?? b;
    return `the ${String(at.type)} record of iteration ${String(at.it)} differs from ${member}'s in the sweep`;
  }
  return undefined;
}

/** Whether two trainer states are the same bytes (their checkpoint encodings). */
const sameTrainer = (a: MemberState, b: MemberState) => encodeCheckpoint(a.trainer).equals(encodeCheckpoint(b.trainer));

export const replayMember = (sweepDir: string, options: ReplayOptions = {}) =>
  Effect.gen(function* () {
    const store = yield* RunStore;
    const workers = yield* Workers;
    const progress = yield* Progress;
    const log = yield* Effect.tryPromise({
      try: () => readSweepLog(sweepDir),
      catch: (e) => (isEvoganError(e) && (e._tag === "RunNotFound" || e._tag === "ReplayRefused" || e._tag === "ConfigInvalid") ? e : new RunStoreFailed({ path: sweepDir, message: `cannot read sweep ${sweepDir}: ${(e as Error).message}` })),
    });
    const plan = yield* Effect.suspend(() => {
      try {
        return Effect.succeed(planReplay(log, options.member));
      } catch (e) {
        if (e instanceof ReplayRefused || e instanceof RunNotFound || e instanceof ConfigInvalid) return Effect.fail(e);
        throw e;
      }
    });
    const { config } = log;
    const K = config.segment.iterations;
    const G = plan.segments.length;
    const configOf = (i: number): EganMemberConfig => memberConfig(plan.segments[i].runConfig);

    // The worker first: a missing backend fails before anything is written.
    const first = yield* workers.run<InitResult>(SLOT, { kind: "init", memberId: MEMBER, backend: config.backend, config: configOf(0) });
    const backend = `${first.backend} (matmul: ${first.matmul})`;
    const outDir = options.outDir ?? dirname(resolve(sweepDir));
    const runConfig = {
      ...plan.finalConfig,
      name: `${basename(resolve(sweepDir))}-replay-${plan.member}`,
      outDir,
      budget: { ...plan.finalConfig.budget, iterations: G * K },
      // One evaluation per segment, of the sweep's size, as the sweep made them.
      eval: { ...plan.finalConfig.eval, every: K, samples: config.eval.samples },
    };
    let beating: Fiber.Fiber<unknown, unknown> | undefined;

    /** The replay in its directory. Interruption lands in a worker's advance, never between a write and the next. */
    const train = (run: RunHandle) =>
      Effect.gen(function* () {
        const schedule = {
          sweep: resolve(sweepDir),
          member: plan.member,
          chosen: plan.chosen ? "the sweep's best by its final fitness" : "named",
          segmentIterations: K,
          segments: plan.segments.map((s) => ({
            generation: s.g,
            member: s.member,
            iterations: [s.startIt + 1, s.startIt + K],
            hypers: s.hypers,
            plan: s.plan,
            seed: s.seed,
            ...(s.copy ? { copiedInto: s.copy.target, copyContinuesAt: s.copy.it } : {}),
          })),
        };
        const info = yield* makeInfoKeeper((_: "run", i) => store.writeInfo(run, i));
        const startedAt = new Date().toISOString();
        // What made the replay (src/orchestrator/stamps.ts), as for `evogan run`.
        const stamps = stampFields(undefined, yield* Effect.promise(() => takeStamps(runConfig, first)));
        const setStatus = (status: "running" | "finished") => info.set("run", { name: run.name, backend: first.backend, startedAt, seed: plan.finalConfig.seed, iterations: G * K, status, ...stamps });
        yield* Effect.uninterruptible(Effect.andThen(store.writeFile(run, "replay.json", Buffer.from(JSON.stringify(schedule, null, 2) + "\n")), setStatus("running")));
        beating = yield* info.keepBeating;
        yield* progress.line(
          `evogan replay ${run.dir}: member ${plan.member}${plan.chosen ? " (the sweep's best)" : ""} of ${sweepDir}, lineage ${lineageText(plan.segments)}, ${G} generations × ${K} iterations, backend ${backend}`,
        );

        const started = Date.now();
        let trainMs = 0;
        let recordsDiffer: string | undefined;
        let state: MemberState | undefined;
        for (const [i, s] of plan.segments.entries()) {
          const res = yield* workers.run<AdvanceResult>(SLOT, { kind: "advance", memberId: MEMBER, iterations: K, evaluate: { samples: config.eval.samples } });
          yield* Effect.uninterruptible(
            Effect.gen(function* () {
              trainMs += res.trainMs;
              yield* store.appendEvents(run, res.records);
              if (res.divergedAt !== undefined || !res.evaluation) {
                const at = res.divergedAt ?? s.startIt + K;
                return yield* Effect.fail(new TrainingDiverged(at, `the replay diverged at iteration ${at}, where ${s.member} did not in the sweep (another backend or machine?)`));
              }
              const ev = res.evaluation;
              const plot = yield* store.writeFile(run, samplesPath(ev.it), ev.png);
              const record: EvalRecord = { type: "eval", it: ev.it, metrics: ev.metrics, plot, elapsedMs: Math.round(trainMs) };
              yield* store.appendEvents(run, [record]);
              state = yield* workers.run<MemberState>(SLOT, { kind: "export", memberId: MEMBER });
              recordsDiffer ??= firstDifference([...res.records, record], s.records, s.member);
              const hp = Object.entries(s.hypers)
                .map(([k, v]) => `${k.split(".").slice(-2).join(".")}=${typeof v === "number" ? Number(v.toPrecision(3)) : hyperText(v)}`)
                .join(" ");
              yield* progress.line(`  gen ${s.g + 1}/${G} ${s.member.padEnd(6)} it ${String(ev.it).padStart(6)}  ${metricsSummary(ev.metrics)}  ${hp}${s.copy ? `  -> copied into ${s.copy.target}` : ""}`);
              if (s.copy) {
                // As the sweep: the source's state read back from its checkpoint, on the target's stream and timeline.
                const copied = decodeCheckpoint(encodeCheckpoint(state)) as MemberState;
                state = { ...copied, trainer: retimeTrainer(reseedTrainer(copied.trainer, s.copy.rng), s.copy.it) };
                if (i + 1 < G) yield* workers.run<InitResult>(SLOT, { kind: "init", memberId: MEMBER, backend: config.backend, config: configOf(i + 1), state });
              }
              yield* progress.bar("gen", s.g + 1, G);
            }),
          );
        }
        const final = state!;
        const it = final.trainer.it;
        const member = memberConfig(plan.finalConfig);
        const checkpoint: RunCheckpoint = { kind: member.kind === "image" ? "egan-image" : "egan-toy", config: member, state: final, it, wallMs: Date.now() - started };
        const end: EndRecord = { type: "end", it, elapsedMs: Math.round(trainMs), itersPerSec: (it / trainMs) * 1000 };
        yield* Effect.uninterruptible(Effect.andThen(store.writeCheckpoint(run, "checkpoints/final.ckpt", checkpoint), store.appendEvents(run, [end])));

        // The member's own last checkpoint, when the sweep kept it: the replay's final state should be it.
        const kept = plan.checkpoint ? yield* Effect.promise(() => readCheckpoint(join(sweepDir, plan.checkpoint!)).then((c) => (c as { state?: MemberState }).state, () => undefined)) : undefined;
        const stateMatches = kept ? sameTrainer(final, kept) : undefined;
        yield* progress.line(recordsDiffer ? `  warning: ${recordsDiffer}` : `  records: the same as the sweep's (each segment's from the member that trained it)`);
        if (stateMatches !== undefined) yield* progress.line(`  final state: ${stateMatches ? "identical to" : "differs from"} ${join(sweepDir, plan.checkpoint!)}`);
        yield* Effect.uninterruptible(setStatus("finished"));
        return { run, plan, recordsDiffer, stateMatches } satisfies ReplayOutcome;
      });

    // The directory is made whole (not interruptible) before the replay uses it; a replay that
    // does not finish is not resumed, so it leaves nothing behind: the heartbeat stops first, then
    // the directory goes (retried while a write that was under way lands).
    return yield* Effect.acquireUseRelease(store.create(outDir, runConfig.name, runConfig), train, (run, exit) =>
      Exit.isSuccess(exit)
        ? Effect.void
        : Effect.andThen(
            beating ? Fiber.interrupt(beating) : Effect.void,
            Effect.promise(() => rm(run.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined)),
          ),
    );
  });
