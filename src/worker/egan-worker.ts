// Piscina worker entry: trains E-GAN members. One tfjs runtime per worker thread; the backend
// is chosen on the first `init` and members stay resident between tasks.
import { matmulEngine, useBackend, type ResolvedBackend } from "../compute/backend.ts";
import { toyDataset } from "../data/toy-datasets.ts";
import { toyMetrics } from "../metrics/toy-metrics.ts";
import type { IterationRecord } from "../records.ts";
import { EganFastTrainer } from "../trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../trainers/egan-reference.ts";
import { TrainingDiverged, type EganTrainer, type TrainerRecord } from "../trainers/egan-trainer.ts";
import { Rng } from "../util/rng.ts";
import type { AdvanceResult, EganMemberConfig, InitResult, MemberState, WorkerTask } from "./protocol.ts";

interface Member {
  readonly config: EganMemberConfig;
  readonly trainer: EganTrainer;
  trainMs: number;
}

const members = new Map<string, Member>();
let backend: Promise<ResolvedBackend> | undefined;

export default async function handle(task: WorkerTask): Promise<InitResult | AdvanceResult | MemberState | null> {
  switch (task.kind) {
    case "init": {
      backend ??= useBackend(task.backend);
      const resolved = await backend;
      members.get(task.memberId)?.trainer.dispose();
      members.set(task.memberId, {
        config: task.config,
        trainer: makeTrainer(task.config, task.state),
        trainMs: task.state?.trainMs ?? 0,
      });
      return { backend: resolved, matmul: matmulEngine() };
    }
    case "advance": {
      const m = member(task.memberId);
      injectFaults(task.memberId, task.generation, task.attempt ?? 0, m);
      return advance(m, task.iterations, task.evaluate?.samples);
    }
    case "export": {
      const m = member(task.memberId);
      return { trainer: m.trainer.exportState(), trainMs: m.trainMs };
    }
    case "release":
      member(task.memberId).trainer.dispose();
      members.delete(task.memberId);
      return null;
  }
}

function member(id: string): Member {
  const m = members.get(id);
  if (!m) throw new Error(`member ${id} is not resident in this worker`);
  return m;
}

function makeTrainer(c: EganMemberConfig, state?: MemberState): EganTrainer {
  const options = { ...c, dataset: toyDataset(c.dataset) };
  return c.implementation === "reference"
    ? new EganReferenceTrainer(options, state?.trainer)
    : new EganFastTrainer(options, state?.trainer);
}

function advance(m: Member, iterations: number, evalSamples: number | undefined): AdvanceResult {
  const done: TrainerRecord[] = [];
  const clock = new Map<number, number>();
  let divergedAt: number | undefined;
  const start = m.trainMs;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    try {
      const r = m.trainer.step();
      if (r) done.push(r);
    } catch (e) {
      if (!(e instanceof TrainingDiverged)) throw e;
      divergedAt = e.iteration;
      break;
    } finally {
      m.trainMs += performance.now() - t0;
      clock.set(m.trainer.iteration, m.trainMs);
    }
  }
  const last = m.trainer.flush();
  if (last) done.push(last);
  const records: IterationRecord[] = done.map((r) => ({ type: "iteration", ...r, elapsedMs: Math.round(clock.get(r.it) ?? m.trainMs) }));
  let evaluation: AdvanceResult["evaluation"];
  if (evalSamples !== undefined && divergedAt === undefined) {
    const it = m.trainer.iteration;
    const samples = m.trainer.sample(evalSamples, new Rng(m.config.seed, 2, it));
    evaluation = { it, metrics: toyMetrics(samples, toyDataset(m.config.dataset)), samples };
  }
  return { records, evaluation, divergedAt, trainMs: m.trainMs - start };
}

/**
 * Fault injection for tests of the orchestrator, from EVOGAN_FAULT_INJECT: a comma-separated list
 * of `crash:<member>:<generation>` (the worker thread exits on the first attempt of that segment)
 * and `nan:<member>:<generation>` (the member's generator weights turn NaN, so it diverges).
 */
function injectFaults(memberId: string, generation: number | undefined, attempt: number, m: Member): void {
  const spec = process.env.EVOGAN_FAULT_INJECT;
  if (!spec || generation === undefined) return;
  for (const item of spec.split(",")) {
    const [kind, id, g] = item.split(":");
    if (id !== memberId || Number(g) !== generation) continue;
    if (kind === "crash" && attempt === 0) process.exit(70);
    if (kind === "nan") m.trainer.corruptGenerators();
  }
}
