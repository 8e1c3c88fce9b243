// Piscina worker entry: trains E-GAN members, toy (MLP) or image (DCGAN, BigGAN, BigBiGAN, SGAN,
// PGGAN, whose iteration records carry their growth stage and α).
// One tfjs runtime per worker thread; the backend is chosen on the first `init` and members stay
// resident between tasks. Evaluations happen here too: toy metrics, or the classifier's image
// metrics plus a sample grid from a fixed z (and, for SGAN, its D's accuracy as a classifier;
// for CycleGAN, translation metrics on test and validation pairs and a grid of test images beside
// their translations). A task that fails with one of evogan's errors
// (src/errors.ts) rejects with its wire form, so that the pool can rebuild it by tag.
import { matmulEngine, useBackend, type ResolvedBackend } from "../compute/backend.ts";
import { toyDataset } from "../data/toy-datasets.ts";
import { imageMetrics } from "../metrics/classifier/image-metrics.ts";
import { toyMetrics } from "../metrics/toy-metrics.ts";
import { renderImageGrid, renderPairGrid } from "../report/image-grid.ts";
import { renderScatter } from "../report/scatter-plot.ts";
import type { IterationRecord } from "../records.ts";
import { EganFastTrainer } from "../trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../trainers/egan-reference.ts";
import type { EganTrainer } from "../trainers/egan-trainer.ts";
import { makeCycleganTrainer, makeImageTrainer, testData, trainingData, unpairedTaskData, type ImageTrainer } from "../trainers/image-trainer.ts";
import type { CycleganTrainer, Direction } from "../trainers/cyclegan-trainer.ts";
import { translationMetrics } from "../metrics/translation-metrics.ts";
import type { TestPairs } from "../data/unpaired-domains.ts";
import { selectImages } from "../data/semi-split.ts";
import type { TranslationMetrics } from "../records.ts";
import { SganTrainer } from "../trainers/sgan-trainer.ts";
import { AugbiganTrainer } from "../trainers/augbigan-trainer.ts";
import { EncoderGanTrainer } from "../trainers/encoder-gan-trainer.ts";
import { semiTaskData } from "../data/semi-task.ts";
import { isToyState, type TrainerRecord } from "../trainers/trainer.ts";
import { isEvoganError, toWire, TrainingDiverged } from "../errors.ts";
import { Rng } from "../util/rng.ts";
import { loadImageData, type ImageDatasetName } from "../data/image-dataset.ts";
import { isImageMember, type AdvanceResult, type EganMemberConfig, type Evaluation, type ImageMemberConfig, type ImagesResult, type InitResult, type MemberState, type ToyMemberConfig, type WorkerTask } from "./protocol.ts";

/** A member resident in this worker: its config and trainer, told apart by kind (toy MLP, image from z, or CycleGAN's translation). */
type Member = (
  | { readonly kind: "toy"; readonly config: ToyMemberConfig; readonly trainer: EganTrainer }
  | { readonly kind: "image"; readonly config: ImageMemberConfig; readonly trainer: ImageTrainer }
  | { readonly kind: "translation"; readonly config: ImageMemberConfig; readonly trainer: CycleganTrainer }
) & {
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
      const found = member(task.memberId);
      if (found.kind === "translation") return await translatedTestImages(found.trainer, found.config, task.n, task.seed, task.direction ?? "AtoB");
      const t = imageMember(found).trainer;
      if (task.direction === "BtoA") throw new Error("--direction BtoA is for a CycleGAN run: this member draws images from z");
      const drawn = await t.sample(task.n, new Rng(task.seed), { truncation: task.truncation, classLabel: task.classLabel, ema: task.ema });
      return { iteration: t.iteration, shape: t.o.model.shape, images: drawn.images };
    }
    case "reconstruct": {
      const m = imageMember(member(task.memberId));
      const t = m.trainer;
      if (!(t instanceof EncoderGanTrainer)) throw new Error("this member has no encoder: reconstruct needs a BigBiGAN or augmented BiGAN member");
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
  if (m.kind === "translation") throw new Error("this member is a CycleGAN: it translates images and draws none from z");
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
  if (isImageMember(c) && c.model.family === "cyclegan") return { kind: "translation", config: c, trainer: makeCycleganTrainer(c, state?.trainer), trainMs };
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
  if (m.kind === "translation") return evaluateTranslation(m.trainer, m.config, samples);
  const { config: c, trainer: t } = m;
  const drawn = await t.sample(samples, new Rng(c.seed, EVAL_STREAM, it));
  const dataset = c.task.dataset as "mnist" | "fashion-mnist";
  const metrics = {
    ...(await imageMetrics(drawn.images, samples, dataset)),
    ...(t instanceof SganTrainer || t instanceof AugbiganTrainer ? await classifierAccuracies(t, c) : {}),
    ...(t instanceof AugbiganTrainer ? { reconstructionError: await t.reconstructionError(testData(dataset), RECONSTRUCTED_TEST_IMAGES) } : {}),
  };
  // The same z at every evaluation (no iteration in the stream id), so grids compare across time.
  const grid = await t.sample(c.grid, new Rng(c.seed, GRID_STREAM));
  const { height, width, channels } = t.o.model.shape;
  return { it, metrics, png: renderImageGrid(grid.images, c.grid, height, width, channels as 1 | 3, { scale: channels === 1 ? 2 : 1 }) };
}

/** Images a CycleGAN's G and F translate at once in an evaluation (measured: 1000 test pairs' metrics with FID in 3.0 s at 256, 3.3 s at 64). */
const TRANSLATE_BATCH = 256;
/** Stream id of the test images `evogan sample` shows of a CycleGAN member. */
const SAMPLE_STREAM = 11;

/** The first n of `pairs`. */
function firstPairs(pairs: TestPairs, n: number): TestPairs {
  const k = Math.min(n, pairs.a.count);
  if (k === pairs.a.count) return pairs;
  const per = pairs.a.height * pairs.a.width * pairs.a.channels;
  return { a: selectImages(pairs.a, Int32Array.from({ length: k }, (_, i) => i), pairs.a.name), b: pairs.b.subarray(0, k * per) };
}

/**
 * A CycleGAN member's evaluation: the translation metrics on the first `samples` test pairs
 * (reported) and on the validation pairs (for a sweep's fitness), and a grid of the first
 * `grid` test images of domain A, each beside G's translation (the same images every time).
 */
async function evaluateTranslation(t: CycleganTrainer, c: ImageMemberConfig, samples: number): Promise<Evaluation> {
  const task = unpairedTaskData(c.task);
  const dataset = c.task.dataset as "mnist" | "fashion-mnist";
  const translators = t.translators(TRANSLATE_BATCH);
  const pairs = firstPairs(task.test, samples);
  // FID needs two images at least.
  const test = await translationMetrics(translators, pairs, task.transform, { dataset, bDataset: task.bDataset, fid: pairs.a.count >= 2 });
  const validation = task.validation;
  if (!validation) throw new Error("a cyclegan member's task has no validation pairs (task.validation)");
  const val = await translationMetrics(translators, validation, task.transform, { dataset, bDataset: task.bDataset });
  const metrics: TranslationMetrics = {
    samples: test.samples,
    translationError: test.translationError,
    backTranslationError: test.backTranslationError,
    cycleErrorA: test.cycleErrorA,
    cycleErrorB: test.cycleErrorB,
    labelPreservation: test.labelPreservation,
    backLabelPreservation: test.backLabelPreservation,
    fidA: test.fidA ?? NaN,
    fidB: test.fidB ?? NaN,
    valSamples: val.samples,
    valTranslationError: val.translationError,
    valLabelPreservation: val.labelPreservation,
  };
  const shown = firstPairs(task.test, c.grid).a;
  const { height, width, channels } = shown;
  const translated = await t.translate(shown.images, shown.count, "AtoB", TRANSLATE_BATCH);
  return { it: t.iteration, metrics, png: renderPairGrid(shown.images, translated, height, width, channels as 1 | 3, { scale: channels === 1 ? 2 : 1 }) };
}

/** `evogan sample` of a CycleGAN member: n test images chosen by `seed` from domain A (or B), and their translations G(a) (or F(b)). */
async function translatedTestImages(t: CycleganTrainer, c: ImageMemberConfig, n: number, seed: number, direction: Direction): Promise<ImagesResult> {
  const { test } = unpairedTaskData(c.task);
  const { height, width, channels } = test.a;
  const per = height * width * channels;
  const chosen = new Rng(seed, SAMPLE_STREAM).permutation(test.a.count).subarray(0, Math.min(n, test.a.count));
  const source = direction === "AtoB" ? test.a.images : test.b;
  const inputs = new Float32Array(chosen.length * per);
  chosen.forEach((k, i) => inputs.set(source.subarray(k * per, (k + 1) * per), i * per));
  return { iteration: t.iteration, shape: { height, width, channels }, images: await t.translate(inputs, chosen.length, direction, TRANSLATE_BATCH), originals: inputs };
}

/** An augmented BiGAN's reconstruction error is measured on the test set's first 1000 images, as many as FID's samples by default. */
const RECONSTRUCTED_TEST_IMAGES = 1000;

/** A semi-supervised member's D as a classifier: accuracy on the labelled validation images and on the test set. */
async function classifierAccuracies(t: SganTrainer | AugbiganTrainer, c: ImageMemberConfig): Promise<{ valAccuracy: number; testAccuracy: number }> {
  const dataset = c.task.dataset as ImageDatasetName;
  const test = testData(dataset);
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
