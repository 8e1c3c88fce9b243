// `evogan sweep` and `evogan resume` as one Effect program: a population of members, each an
// E-GAN trainer resident in a worker slot, advanced one segment (K iterations) per generation,
// scored with a D-independent fitness (the toy score), checkpointed, and then evolved by the
// configured strategy (PBT: the bottom quantile copies a top member's checkpoint — generator(s),
// Adam state and discriminator — and explores its hyperparameters). Decisions are computed as
// plain data (strategies/), logged, then carried out.
//
// Resume is exact: sweep.json is written only after a generation is complete, every active
// member's state at that point is its own latest checkpoint, and all randomness is derived from
// (sweep seed, member, generation). An interrupted generation is truncated and run again.
import { basename } from "node:path";
import { Effect, Exit } from "effect";
import { POPULATION_STRATEGIES } from "../../strategies/index.ts";
import { hyperText, sampleHypers, type HyperSpace, type Hypers, type MemberStanding } from "../../strategies/search-space.ts";
import { memberPlans, memberRunConfig, valueAt, type HyperValue, type SweepConfig } from "../config/sweep-config.ts";
import { memberFitness } from "../metrics/member-fitness.ts";
import { metricsSummary, samplesPath } from "./evaluation-output.ts";
import type { EvalRecord, EndRecord, RunStatus } from "../records.ts";
import { Rng } from "../util/rng.ts";
import { averageStates } from "../trainers/average-state.ts";
import { reseedTrainer, retimeTrainer, type AdvanceResult, type InitResult, type MemberState as WorkerMemberState } from "../worker/protocol.ts";
import { ownerGone, ownerStamp } from "../liveness.ts";
import { CheckpointCorrupt, RunBusy, type RunError } from "../errors.ts";
import { memberConfig } from "./member-config.ts";
import { Progress } from "./progress.ts";
import { attempt, makeInfoKeeper, removeTemporaries } from "./run-store.ts";
import { checkpointPath, type GenerationRecord, type MemberState, type SweepState } from "./sweep-state.ts";
import { stampFields, takeStamps, type StampFields } from "./stamps.ts";
import { SweepStore } from "./sweep-store.ts";
import { Workers } from "./workers.ts";

/** Seeds derived from the sweep seed: a member's own seed, its initial hypers, PBT's draws. */
const memberSeed = (seed: number, index: number) => new Rng(seed, 101, index).nextU32() >>> 1;
const STREAM_INITIAL_HYPERS = 102;
const STREAM_STRATEGY = 103;
/** The random stream a PBT copy continues with (exported for `evogan replay`, which makes the same copies). */
export const STREAM_RESEED = 104;
/** The random stream of a member that starts from the first member's initialisation (the average strategy). */
const STREAM_SHARED_START = 105;

/** A member's checkpoint: which member and generation, the model family its weights fit, its state. */
interface Checkpoint {
  readonly kind: "sweep-member";
  readonly family: string;
  readonly id: string;
  readonly g: number;
  readonly state: WorkerMemberState;
}

export interface SweepOutcome {
  readonly dir: string;
  readonly state: SweepState;
  /** A resume of a sweep that had already finished: nothing was run or written. */
  readonly alreadyFinished?: boolean;
}

/**
 * Every member as the sweep starts it: its id, slot, seed and initial hyperparameters (drawn from
 * the search space around plan 0's run config; a member's own `set` fixes a hyperparameter's
 * starting value). `evogan sweep --dry-run` prints these too.
 */
export function initialMembers(config: SweepConfig, slots: number): MemberState[] {
  const space = config.population.hyperparameters as HyperSpace;
  const plans = memberPlans(config.population);
  const base = memberRunConfig(config.population, plans[0], 0, {}, config, 0);
  return plans.map((p, i): MemberState => {
    const start: Hypers = Object.fromEntries(Object.keys(space).map((k) => [k, valueAt(base, k) as HyperValue]));
    const sampled = sampleHypers(space, start, new Rng(config.seed, STREAM_INITIAL_HYPERS, i));
    // A member's own `set` fixes a hyperparameter's starting value.
    const hypers = Object.fromEntries(Object.entries(sampled).map(([k, v]) => [k, k in p.set ? (p.set[k] as HyperValue) : v]));
    return { id: p.id, index: i, slot: i % slots, seed: memberSeed(config.seed, i), hypers, status: "active", iterations: 0 };
  });
}

/** `onDir` is told the sweep directory as soon as it exists (for the CLI's interruption message). */
export const runSweep = (config: SweepConfig, resumeDir?: string, onDir?: (dir: string) => void) =>
  Effect.gen(function* () {
    const store = yield* SweepStore;
    const workers = yield* Workers;
    const progress = yield* Progress;
    const space = config.population.hyperparameters as HyperSpace;
    const plans = memberPlans(config.population);
    const K = config.segment.iterations;
    const started = Date.now();

    let dir: string;
    let state: SweepState;
    if (resumeDir !== undefined) {
      dir = resumeDir;
      state = yield* store.readState(dir);
      // Finished: there is nothing to continue (running it again would append a second end record per member).
      if (state.status === "finished") {
        const outcome: SweepOutcome = { dir, state, alreadyFinished: true };
        return outcome;
      }
      if (state.status === "running" && !ownerGone(state)) {
        return yield* Effect.fail(new RunBusy({ path: dir, message: `${dir} is still running (pid ${state.pid ?? "?"} on ${state.host ?? "?"}): stop it before resuming` }));
      }
      yield* attempt(dir, () => removeTemporaries(dir, 3));
      // Each member's log goes back to its own state at the last completed generation.
      for (const m of state.members) yield* store.truncate(dir, [m.id], m.iterations, Number.POSITIVE_INFINITY);
      yield* store.truncate(dir, [], 0, state.generationsDone);
      state = { ...state, ...ownerStamp() };
    } else {
      dir = yield* store.create(config.outDir, config.name, config);
      const members = initialMembers(config, workers.slots);
      state = { name: basename(dir), backend: "", status: "running", generationsDone: 0, members, startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), ...ownerStamp() };
      // The resume point from the start: a sweep stopped anywhere in generation 0 starts it again.
      yield* store.writeState(dir, state);
    }
    const sweepDir = dir;
    onDir?.(sweepDir);

    function memberRunConfigFor(index: number, hypers: Readonly<Record<string, HyperValue>>, seed = 0, plan = index) {
      return memberRunConfig(config.population, { ...plans[plan], id: plans[index].id }, plan, hypers, config, seed);
    }
    // A member runs its own plan (architecture, fixed settings) until it copies another's.
    const runConfigOf = (m: MemberState) => memberRunConfigFor(m.index, m.hypers, m.seed, m.plan ?? m.index);

    /**
     * A member's checkpoint, or (with `fallback`, when it is put back into a worker) the newest
     * older one that is intact, with a warning in the sweep log and its records cut back to match.
     */
    const loadCheckpoint = (m: MemberState, g: number, fallback = true) =>
      Effect.gen(function* () {
        // Only older ones: a newer checkpoint belongs to a generation that sweep.json never recorded.
        const older = fallback ? (yield* store.listCheckpoints(sweepDir, m.id)).filter((c) => c < m.checkpoint!) : [];
        const candidates = [m.checkpoint!, ...older];
        for (const rel of candidates) {
          const r = yield* Effect.result(store.readCheckpoint(sweepDir, rel));
          if (r._tag === "Success") {
            const saved = (r.success as Checkpoint).state;
            // An older checkpoint rewinds the member: drop its records past that point.
            if (rel !== m.checkpoint) yield* store.truncate(sweepDir, [m.id], saved.trainer.it, Number.POSITIVE_INFINITY);
            return saved;
          }
          yield* store.appendSweep(sweepDir, [{ type: "warning", g, member: m.id, message: `${r.failure.message}${fallback ? "; trying an older checkpoint" : ""}` }]);
          yield* progress.line(`  warning: ${r.failure.message}`);
        }
        return yield* Effect.fail(new CheckpointCorrupt({ file: m.checkpoint!, message: `no intact checkpoint left for member ${m.id}` }));
      });

    /** Puts a member (fresh, or from its checkpoint) into the worker of its slot. */
    const initMember = (m: MemberState, g: number, from?: WorkerMemberState) =>
      Effect.gen(function* () {
        const saved = from ?? (m.checkpoint ? yield* loadCheckpoint(m, g) : undefined);
        return yield* workers.run<InitResult>(m.slot, { kind: "init", memberId: m.id, backend: config.backend, config: memberConfig(runConfigOf(m)), state: saved });
      });

    // Members' run.json: their status, and a heartbeat while the sweep lives (src/liveness.ts).
    const memberInfo = yield* makeInfoKeeper((id: string, info) => store.writeMemberInfo(sweepDir, id, info));
    // What made the sweep (src/orchestrator/stamps.ts), taken at the first init: sweep.json and every member's run.json carry them.
    let stamps: StampFields | undefined;
    const setMemberStatus = (m: MemberState, status: RunStatus) =>
      memberInfo.set(m.id, { name: m.id, backend: state.backend, startedAt: state.startedAt, seed: m.seed, iterations: config.generations * K, status, ...stamps });
    yield* memberInfo.keepBeating;

    // Every active member into its worker; the first init also loads the backend. Under the
    // average strategy members start from one initialisation, the first fresh member's, each with
    // its own random stream (and batch order, from its own seed), as local SGD's workers do: a mean
    // of independently initialised networks is no network.
    let backend = state.backend;
    let sharedStart: WorkerMemberState | undefined;
    for (const m of state.members) {
      if (m.status !== "active") continue;
      const rc = runConfigOf(m);
      yield* store.createMember(sweepDir, m.id, rc);
      const fresh = m.checkpoint === undefined;
      const from = fresh && sharedStart ? { ...sharedStart, trainer: reseedTrainer(sharedStart.trainer, new Rng(config.seed, STREAM_SHARED_START, m.index).state()) } : undefined;
      const init = yield* initMember(m, state.generationsDone, from);
      if (fresh && !sharedStart && config.strategy.kind === "average") sharedStart = yield* workers.run<WorkerMemberState>(m.slot, { kind: "export", memberId: m.id });
      backend = `${init.backend} (matmul: ${init.matmul})`;
      // A resume keeps the first stamps and adds its own.
      stamps ??= stampFields(state, yield* Effect.promise(() => takeStamps(config, init)));
      // From now on `evogan report` can read the member, even mid-generation.
      yield* memberInfo.set(m.id, { name: m.id, backend: init.backend, startedAt: state.startedAt, seed: m.seed, iterations: config.generations * K, status: "running", ...stamps });
    }
    state = { ...state, backend, status: "running", ...stamps };
    yield* progress.line(
      `evogan sweep ${sweepDir}: ${state.members.length} members, ${config.strategy.kind}, ${config.generations} generations × ${K} iterations, backend ${backend}, ${workers.slots} worker slot(s)${resumeDir ? `, resuming at generation ${state.generationsDone}` : ""}`,
    );

    /** The member's worker died under another member's task: nothing is wrong with this one. */
    const lostWithWorker = (e: RunError) => e._tag === "WorkerFailed" && e.lost === "member";

    /**
     * One generation of one member: K iterations, the evaluation, and (evaluated, not diverged)
     * its state, exported at once so that it survives its worker. A failure spends one of the
     * member's retries, and the member is put back from its checkpoint. A member that was only
     * lost (its worker died under another member's task: a crash is charged to the member whose
     * task was running) is put back from its checkpoint (fresh before its first, as at generation
     * 0) and runs the segment again without spending a retry: its checkpoint is the state its
     * worker held at the start of the generation, so its records come out the same. This ends:
     * every loss follows a crash, and every crash spends a retry or fails a member.
     */
    const segment = (m: MemberState, g: number) =>
      Effect.gen(function* () {
        for (let attempt = 0; ; ) {
          const r = yield* Effect.result(
            Effect.gen(function* () {
              const result = yield* workers.run<AdvanceResult>(m.slot, { kind: "advance", memberId: m.id, iterations: K, evaluate: { samples: config.eval.samples }, generation: g, attempt });
              const evaluated = result.divergedAt === undefined && result.evaluation !== undefined;
              const saved = evaluated ? yield* workers.run<WorkerMemberState>(m.slot, { kind: "export", memberId: m.id }) : undefined;
              return { result, saved };
            }),
          );
          if (r._tag === "Success") return { m, ...r.success };
          // The pool is gone for every member: stop the sweep (resumable), charge no member.
          if (r.failure._tag === "PoolLost") return yield* Effect.fail(r.failure);
          const error = r.failure.message;
          if (lostWithWorker(r.failure)) {
            yield* store.appendSweep(sweepDir, [{ type: "warning", g, member: m.id, message: `${error}; put back from its checkpoint, no retry spent` }]);
            yield* progress.line(`  ${m.id}: lost with its worker (${error}); put back from its last checkpoint, no retry spent`);
          } else {
            const failed = attempt >= config.retries;
            yield* store.appendSweep(sweepDir, [{ type: "retry", g, member: m.id, attempt, error, outcome: failed ? "failed" : "retrying" }]);
            yield* progress.line(`  ${m.id}: segment failed (${error}); ${failed ? "member marked failed" : `retry ${attempt + 1}/${config.retries} from its last checkpoint`}`);
            if (failed) return { m, error };
            attempt++;
          }
          // Its worker may have crashed (taking the member with it) or hold a half-trained state: put it back.
          for (;;) {
            const back = yield* Effect.result(initMember(m, g));
            if (back._tag === "Success") break;
            if (back.failure._tag === "PoolLost") return yield* Effect.fail(back.failure);
            if (!lostWithWorker(back.failure)) return { m, error: back.failure.message };
          }
        }
      });

    /**
     * Population parameter averaging (strategies/average.ts): each listed member's checkpoint of
     * generation g is replaced by the elementwise mean of their states as this generation
     * exported them (its own iteration count, random streams and training time kept), and the
     * mean is put back into its worker.
     */
    const averageMembers = (ids: readonly string[], next: Map<string, MemberState>, exported: ReadonlyMap<string, WorkerMemberState>, g: number) =>
      Effect.gen(function* () {
        const trainers = ids.map((id) => exported.get(id)!.trainer);
        for (const id of ids) {
          const m = next.get(id)!;
          const own = exported.get(id)!;
          const mean: WorkerMemberState = { ...own, trainer: averageStates(trainers, own.trainer) };
          yield* store.writeCheckpoint(sweepDir, checkpointPath(id, g), { kind: "sweep-member", family: runConfigOf(m).model.family, id, g, state: mean } satisfies Checkpoint);
          yield* initMember(m, g, mean);
        }
      });

    const train = Effect.gen(function* () {
      const budgetMs = config.budget ? 1000 * config.budget.seconds : Number.POSITIVE_INFINITY;
      const budgetReached = (g: number) => progress.line(`  wall-clock budget of ${config.budget?.seconds} s reached after ${g} generations`);
      for (let g = state.generationsDone; g < config.generations; g++) {
        // A resumed sweep whose budget is spent trains nothing more.
        if ((state.wallMs ?? 0) >= budgetMs) {
          yield* budgetReached(g);
          break;
        }
        const t0 = Date.now();
        const active = state.members.filter((m) => m.status === "active");
        const done = yield* Effect.forEach(active, (m) => segment(m, g), { concurrency: workers.slots });
        let computeMs = 0;
        const next = new Map(state.members.map((m) => [m.id, m]));
        /** Each evaluated member's state as this generation exported it (and checkpointed it). */
        const exported = new Map<string, WorkerMemberState>();
        for (const d of done) {
          if ("error" in d) {
            next.set(d.m.id, { ...d.m, status: "failed", fitness: NaN });
            continue;
          }
          const { m, result, saved } = d;
          computeMs += result.trainMs;
          yield* store.appendMember(sweepDir, m.id, result.records);
          const it = result.records.at(-1)?.it ?? m.iterations;
          if (result.divergedAt !== undefined || !result.evaluation || !saved) {
            next.set(m.id, { ...m, status: "diverged", fitness: NaN, iterations: it });
            yield* store.appendSweep(sweepDir, [{ type: "warning", g, member: m.id, message: `member ${m.id} diverged at iteration ${result.divergedAt}: recorded, and replaced at this generation's selection` }]);
            continue;
          }
          const ev = result.evaluation;
          const plot = yield* store.writeMemberFile(sweepDir, m.id, samplesPath(ev.it), ev.png);
          const record: EvalRecord = { type: "eval", it: ev.it, metrics: ev.metrics, plot, elapsedMs: result.records.at(-1)?.elapsedMs ?? 0 };
          yield* store.appendMember(sweepDir, m.id, [record], m.hypers);
          const rel = checkpointPath(m.id, g);
          yield* store.writeCheckpoint(sweepDir, rel, { kind: "sweep-member", family: runConfigOf(m).model.family, id: m.id, g, state: saved } satisfies Checkpoint);
          exported.set(m.id, saved);
          next.set(m.id, { ...m, fitness: memberFitness(config.fitness.metric, ev.metrics), tieBreak: config.fitness.tieBreak ? memberFitness(config.fitness.tieBreak, ev.metrics) : undefined, metrics: ev.metrics, checkpoint: rel, iterations: it });
        }

        // Selection: a plan as plain data, logged, then carried out.
        const scored = new Map(next);
        const pool = [...next.values()].filter((m) => m.status !== "failed");
        const standings: MemberStanding[] = pool.map((m) => ({ id: m.id, fitness: m.status === "active" ? (m.fitness ?? NaN) : NaN, tieBreak: m.tieBreak, hypers: m.hypers, hasCheckpoint: m.status === "active" && m.checkpoint !== undefined }));
        const { kind: _, ...options } = config.strategy;
        const planned = POPULATION_STRATEGIES[config.strategy.kind](standings, space, options, new Rng(config.seed, STREAM_STRATEGY, g));
        // The last generation is the configured count's, or the budget's: a generation as long as
        // this one would end past it, so none is started. It is decided here, before selection,
        // because after the last generation nothing trains: a copy (or a mean) then would leave a
        // member whose state (and architecture) was never evaluated behind its reported metrics. Rank only.
        const budgetEnds = (state.wallMs ?? 0) + 2 * (Date.now() - t0) > budgetMs;
        const plan = g === config.generations - 1 || budgetEnds ? { ranking: planned.ranking, decisions: [] } : planned;
        for (const d of plan.decisions) {
          const target = next.get(d.target)!;
          const source = next.get(d.source)!;
          // The source's own checkpoint of this generation, never an older one: the source trains on
          // from its resident state. A damaged one cancels the copy (logged); the target trains on.
          const read = yield* Effect.result(loadCheckpoint(source, g, false));
          if (read._tag === "Failure") {
            yield* progress.line(`  warning: ${target.id} does not copy ${source.id}: ${read.failure.message}`);
            continue;
          }
          const copied = read.success;
          // The copy continues with its own random stream, not its source's, and on its own
          // timeline: its records go on from its own iteration count (the copy is in sweep.jsonl).
          const reseeded: WorkerMemberState = { ...copied, trainer: retimeTrainer(reseedTrainer(copied.trainer, new Rng(config.seed, STREAM_RESEED, target.index, g).state()), target.iterations) };
          const rel = checkpointPath(target.id, g);
          yield* store.writeCheckpoint(sweepDir, rel, { kind: "sweep-member", family: runConfigOf(source).model.family, id: target.id, g, state: reseeded } satisfies Checkpoint);
          // The copy takes the source's plan too: its weights only fit the source's architecture.
          const updated: MemberState = { ...target, plan: source.plan ?? source.index, status: "active", hypers: d.newHypers, checkpoint: rel, fitness: source.fitness, metrics: source.metrics };
          next.set(target.id, updated);
          yield* store.createMember(sweepDir, target.id, runConfigOf(updated));
          yield* initMember(updated, g, reseeded);
        }
        const averaged = plan.average ?? [];
        if (averaged.length > 0) yield* averageMembers(averaged, next, exported, g);
        for (const m of next.values()) if (m.checkpoint) yield* store.pruneCheckpoints(sweepDir, m.id, config.checkpoints.keep);

        const record: GenerationRecord = {
          type: "generation",
          g,
          standings: [...scored.values()].map((m) => ({ id: m.id, fitness: m.fitness ?? NaN, hypers: m.hypers, status: m.status, metrics: m.metrics })),
          ranking: plan.ranking,
          decisions: plan.decisions,
          ...(averaged.length > 0 ? { averaged } : {}),
          elapsedMs: Date.now() - t0,
          computeMs,
        };
        yield* store.appendSweep(sweepDir, [record]);
        state = { ...state, generationsDone: g + 1, members: state.members.map((m) => next.get(m.id)!), updatedAt: new Date().toISOString(), wallMs: (state.wallMs ?? 0) + record.elapsedMs };
        yield* store.writeState(sweepDir, state);
        for (const m of state.members) {
          yield* setMemberStatus(m, m.status === "active" ? "running" : "failed");
        }
        yield* reportGeneration(g, plan.decisions.map((d) => ({ target: d.target, source: d.source })), averaged);
        yield* progress.bar("gen", g + 1, config.generations);
        if (budgetEnds && g < config.generations - 1) {
          yield* budgetReached(g + 1);
          break;
        }
      }
      for (const m of state.members) {
        if (m.status !== "active") continue;
        const end: EndRecord = { type: "end", it: m.iterations, elapsedMs: Date.now() - started, itersPerSec: (m.iterations / (Date.now() - started)) * 1000 };
        yield* store.appendMember(sweepDir, m.id, [end], m.hypers);
        yield* setMemberStatus(m, "finished");
      }
      state = { ...state, status: "finished", updatedAt: new Date().toISOString() };
      yield* store.writeState(sweepDir, state);
      const outcome: SweepOutcome = { dir: sweepDir, state };
      return outcome;
    });

    /** One line per member: generation, fitness, key hyperparameters, lineage. */
    function reportGeneration(g: number, copies: Array<{ target: string; source: string }>, averaged: readonly string[]) {
      return Effect.forEach(state.members, (m) => {
        const copied = copies.find((c) => c.target === m.id);
        const hp = Object.entries(m.hypers)
          .map(([k, v]) => `${k.split(".").slice(-2).join(".")}=${typeof v === "number" ? Number(v.toPrecision(3)) : hyperText(v)}`)
          .join(" ");
        const score = m.fitness === undefined || Number.isNaN(m.fitness) ? "  -  " : m.fitness.toFixed(3);
        const metrics = m.metrics ? metricsSummary(m.metrics) : "";
        return progress.line(`  gen ${g + 1}/${config.generations} ${m.id.padEnd(6)} it ${String(m.iterations).padStart(6)}  fitness ${score}  ${metrics}  ${hp}${m.status !== "active" ? `  [${m.status}]` : ""}${copied ? `  <- copied ${copied.source}` : ""}${averaged.includes(m.id) ? `  <- mean of ${averaged.length}` : ""}`);
      });
    }

    return yield* train.pipe(
      Effect.onExit((exit) => {
        if (Exit.isSuccess(exit)) return Effect.void;
        const status = Exit.hasInterrupts(exit) ? "interrupted" : "failed";
        return Effect.andThen(
          store.writeState(sweepDir, { ...state, status, updatedAt: new Date().toISOString() }),
          Effect.forEach(state.members.filter((m) => m.status === "active"), (m) => setMemberStatus(m, status), { discard: true }),
        ).pipe(Effect.ignore);
      }),
    );
  });

