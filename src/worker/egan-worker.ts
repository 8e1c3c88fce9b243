// Piscina worker entry: trains E-GAN members, toy (MLP) or image (DCGAN, BigGAN, BigBiGAN, SGAN).
// One tfjs runtime per worker thread; the backend is chosen on the first `init` and members stay
// resident between tasks. Evaluations happen here too: toy metrics, or the classifier's image
// metrics plus a sample grid from a fixed z (and, for SGAN, its D's accuracy as a classifier). A task that fails with one of evogan's errors
// (src/errors.ts) rejects with its wire form, so that the pool can rebuild it by tag.
import { matmulEngine, useBackend, type ResolvedBackend } from "../compute/backend.ts";
import { toyDataset } from "../data/toy-datasets.ts";
import { imageMetrics } from "../metrics/classifier/image-metrics.ts";
import { toyMetrics } from "../metrics/toy-metrics.ts";
import { renderImageGrid } from "../report/image-grid.ts";
import { renderScatter } from "../report/scatter-plot.ts";
import type { IterationRecord } from "../records.ts";
import { EganFastTrainer } from "../trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../trainers/egan-reference.ts";
import type { EganTrainer } from "../trainers/egan-trainer.ts";
import { makeImageTrainer, trainingData, type ImageTrainer } from "../trainers/image-trainer.ts";
import { SganTrainer } from "../trainers/sgan-trainer.ts";
import { semiTaskData } from "../data/semi-task.ts";
import type { ImageData } from "../data/image-data.ts";
import { isToyState, type TrainerRecord } from "../trainers/trainer.ts";
import { isEvoganError, toWire, TrainingDiverged } from "../errors.ts";
import { Rng } from "../util/rng.ts";
import { loadImageData, type ImageDatasetName } from "../data/image-dataset.ts";
import { BigbiganTrainer } from "../trainers/bigbigan-trainer.ts";
import { isImageMember, type AdvanceResult, type EganMemberConfig, type Evaluation, type ImageMemberConfig, type ImagesResult, type InitResult, type MemberState, type ToyMemberConfig, type WorkerTask } from "./protocol.ts";

/** A member resident in this worker: its config and trainer, told apart by kind (toy MLP or image). */
type Member = ({ readonly kind: "toy"; readonly config: ToyMemberConfig; readonly trainer: EganTrainer } | { readonly kind: "image"; readonly config: ImageMemberConfig; readonly trainer: ImageTrainer }) & {
  trainMs: number;
};

/** Stream ids of the evaluation draws: samples for metrics, and the fixed z of the sample grid. */
const EVAL_STREAM = 2;
const GRID_STREAM = 7;

const members = new Map<string, Member>();
let backend: Promise<ResolvedBackend> | undefined;

export default async function handle(task: WorkerTask): Promise<InitResult | AdvanceResult | MemberState | ImagesResult | null> {
  try {
    return await run(task);
  } catch (e) {
    // A structured clone keeps an Error's message and stack, not its class or tag: evogan's own
    // errors cross to the pool as their wire form (a plain object), which rebuilds them.
    throw isEvoganError(e) ? toWire(e) : e;
  }
}

async function run(task: WorkerTask): Promise<InitResult | AdvanceResult | MemberState | ImagesResult | null> {
  switch (task.kind) {
    case "init": {
      backend ??= useBackend(task.backend);
      const resolved = await backend;
      members.get(task.memberId)?.trainer.dispose();
      members.set(task.memberId, makeMember(task.config, task.state));
      return { backend: resolved, matmul: matmulEngine() };
    }
    case "advance": {
      const m = member(task.memberId);
      injectFaults(task.memberId, task.generation, task.attempt ?? 0, m);
      return await advance(m, task.iterations, task.evaluate?.samples);
    }
    case "export": {
      const m = member(task.memberId);
      return { trainer: await m.trainer.exportState(), trainMs: m.trainMs };
    }
    case "sample": {
      const t = imageMember(member(task.memberId)).trainer;
      const drawn = await t.sample(task.n, new Rng(task.seed), { truncation: task.truncation, classLabel: task.classLabel, ema: task.ema });
      return { iteration: t.iteration, shape: t.o.model.shape, images: drawn.images };
    }
    case "reconstruct": {
      const m = imageMember(member(task.memberId));
      const t = m.trainer;
      if (!(t instanceof BigbiganTrainer)) throw new Error("this member has no encoder: reconstruct needs a BigBiGAN member");
      const test = loadImageData(m.config.task.dataset as ImageDatasetName, "test", { limit: task.n });
      return { iteration: t.iteration, shape: t.o.model.shape, images: await t.reconstruct(test.images, test.count, { ema: task.ema }), originals: test.images };
    }
    case "release":
      member(task.memberId).trainer.dispose();
      members.delete(task.memberId);
      return null;
  }
}

function imageMember(m: Member): Extract<Member, { kind: "image" }> {
  if (m.kind !== "image") throw new Error("this member is a toy MLP: it has no images to draw");
  return m;
}

function member(id: string): Member {
  const m = members.get(id);
  if (!m) throw new Error(`member ${id} is not resident in this worker`);
  return m;
}

function makeMember(c: EganMemberConfig, state?: MemberState): Member {
  const trainMs = state?.trainMs ?? 0;
  if (isImageMember(c)) return { kind: "image", config: c, trainer: makeImageTrainer(c, state?.trainer), trainMs };
  const s = state?.trainer;
  if (s && !isToyState(s)) throw new Error("a toy member cannot continue from this checkpoint: it holds an image member's state");
  const options = { ...c, dataset: toyDataset(c.dataset) };
  return { kind: "toy", config: c, trainer: c.implementation === "reference" ? new EganReferenceTrainer(options, s) : new EganFastTrainer(options, s), trainMs };
}

/** The member's metrics on `samples` fresh samples, and its picture (rendered here, where the samples are). */
async function evaluate(m: Member, samples: number): Promise<Evaluation> {
  const it = m.trainer.iteration;
  if (m.kind === "toy") {
    const points = await m.trainer.sample(samples, new Rng(m.config.seed, EVAL_STREAM, it));
    const data = toyDataset(m.config.dataset);
    return { it, metrics: toyMetrics(points, data), png: renderScatter({ points, centres: data.centres, range: data.plotRange }) };
  }
  const { config: c, trainer: t } = m;
  const drawn = await t.sample(samples, new Rng(c.seed, EVAL_STREAM, it));
  const dataset = c.task.dataset as "mnist" | "fashion-mnist";
  const metrics = { ...(await imageMetrics(drawn.images, samples, dataset)), ...(t instanceof SganTrainer ? await classifierAccuracies(t, c) : {}) };
  // The same z at every evaluation (no iteration in the stream id), so grids compare across time.
  const grid = await t.sample(c.grid, new Rng(c.seed, GRID_STREAM));
  const { height, width, channels } = t.o.model.shape;
  return { it, metrics, png: renderImageGrid(grid.images, c.grid, height, width, channels as 1 | 3, { scale: channels === 1 ? 2 : 1 }) };
}

const testSets = new Map<string, ImageData>();

/** An sgan member's D as a classifier: accuracy on the labelled validation images and on the test set. */
async function classifierAccuracies(t: SganTrainer, c: ImageMemberConfig): Promise<{ valAccuracy: number; testAccuracy: number }> {
  const dataset = c.task.dataset as ImageDatasetName;
  let test = testSets.get(dataset);
  if (!test) testSets.set(dataset, (test = loadImageData(dataset, "test")));
  const validation = semiTaskData(trainingData(c.task), c.task).validation;
  return { valAccuracy: await t.accuracy(validation), testAccuracy: await t.accuracy(test) };
}

async function advance(m: Member, iterations: number, evalSamples: number | undefined): Promise<AdvanceResult> {
  const done: TrainerRecord[] = [];
  const clock = new Map<number, number>();
  let divergedAt: number | undefined;
  const start = m.trainMs;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    try {
      const r = await m.trainer.step();
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
  const last = await m.trainer.flush();
  if (last) done.push(last);
  const records: IterationRecord[] = done.map((r) => ({ type: "iteration", ...r, elapsedMs: Math.round(clock.get(r.it) ?? m.trainMs) }));
  const evaluation = evalSamples !== undefined && divergedAt === undefined ? await evaluate(m, evalSamples) : undefined;
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
