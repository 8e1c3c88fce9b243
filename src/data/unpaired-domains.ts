// The CycleGAN task with a known answer (Zhu et al. 2017 train on unpaired photos; here the two
// domains come from one labelled dataset, so every translation can be checked):
//   domain A = the images of one half of the training set,
//   domain B = T(the images of the other half), T a fixed, known, invertible transform:
//     invert  x ↦ −x on the [−1, 1] scale (1 − x on [0, 1]): white digits on black become black on white;
//     rot90   a quarter turn counter-clockwise (numpy's rot90 with k = 1): y[i, j] = x[j, W − 1 − i].
// The halves come from one seeded permutation of the training set, so they are disjoint and
// together cover it: no image of A has its own T(a) in B, and a pair (a, T(a)) is never seen.
// The test pairs (a, T(a)) are built from the test set, for the translation metrics
// (src/metrics/translation-metrics.ts): ‖G(a) − T(a)‖₁, label preservation through T⁻¹, and so on.
// A sweep that selects members on those metrics takes validation pairs instead: V training images
// held out of both halves (the first V of the permutation), never trained on, so the test set is
// kept for the final figure (as in src/data/semi-split.ts).
// The task without a known answer, for pictures (Zhu et al.'s own kind of task): domain A from one
// dataset, domain B from another of the same shape (MNIST ↔ Fashion-MNIST), split the same way;
// there is no T, so its "pairs" are image i of each set side by side, not translations of each
// other, and only the cycle errors and each domain's FID measure it.
import { loadImageData, type ImageData } from "./image-dataset.ts";
import { selectImages } from "./semi-split.ts";
import { Rng } from "../util/rng.ts";

export const DOMAIN_TRANSFORMS = ["invert", "rot90"] as const;
export type DomainTransform = (typeof DOMAIN_TRANSFORMS)[number];

/** The datasets a translation task can be built from (both have an evaluation classifier). */
export type UnpairedDataset = "mnist" | "fashion-mnist";

/** Domain B as another dataset's images (task.domainB): a translation without a known answer. */
export const OTHER_DOMAINS = ["fashion-mnist"] as const;
export type OtherDomain = (typeof OTHER_DOMAINS)[number];

/** Shape of a block of NHWC images. */
export interface ImageBlock {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function checkBlock(images: Float32Array, s: ImageBlock): void {
  const size = s.count * s.height * s.width * s.channels;
  if (images.length !== size) throw new Error(`${s.count} images of ${s.height}×${s.width}×${s.channels} need ${size} values, got ${images.length}`);
}

/** A quarter turn of each image: counter-clockwise (y[i, j] = x[j, W − 1 − i]) or, inverted, clockwise (y[i, j] = x[H − 1 − j, i]). */
function rotate(images: Float32Array, s: ImageBlock, clockwise: boolean): Float32Array {
  const { count, height: H, width: W, channels: C } = s;
  if (H !== W) throw new Error(`rot90 needs square images, got ${H}×${W}`);
  const out = new Float32Array(images.length);
  const per = H * W * C;
  for (let n = 0; n < count; n++) {
    const base = n * per;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const [si, sj] = clockwise ? [H - 1 - j, i] : [j, W - 1 - i];
        const to = base + (i * W + j) * C;
        const from = base + (si * W + sj) * C;
        for (let c = 0; c < C; c++) out[to + c] = images[from + c];
      }
    }
  }
  return out;
}

/** T(images): a new array; images NHWC in [−1, 1]. */
export function applyTransform(t: DomainTransform, images: Float32Array, s: ImageBlock): Float32Array {
  checkBlock(images, s);
  switch (t) {
    case "invert":
      return images.map((x) => -x);
    case "rot90":
      return rotate(images, s, false);
  }
}

/** T⁻¹(images): a new array. invert is its own inverse; rot90's is the clockwise quarter turn. */
export function inverseTransform(t: DomainTransform, images: Float32Array, s: ImageBlock): Float32Array {
  checkBlock(images, s);
  switch (t) {
    case "invert":
      return images.map((x) => -x);
    case "rot90":
      return rotate(images, s, true);
  }
}

/** Indices into the training set of each domain's half and of the held-out validation images, in the order of the split's permutation. */
export interface DomainSplit {
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly validation: Int32Array;
}

// Stream id of the split's Rng, apart from every other use of the task seed.
const SPLIT_STREAM = 0x5c17;

/**
 * One seeded permutation of 0..count−1: its first `validation` entries are held out, of the
 * remaining n the first ⌊n/2⌋ are A's and the rest B's.
 */
export function splitHalves(count: number, seed: number, validation = 0): DomainSplit {
  if (!Number.isInteger(validation) || validation < 0) throw new Error(`splitHalves: validation must be a non-negative integer, got ${validation}`);
  if (!Number.isInteger(count) || count - validation < 2) throw new Error(`splitHalves: need at least 2 images besides the ${validation} held out, got ${count}`);
  if (!Number.isInteger(seed)) throw new Error(`splitHalves: seed must be an integer, got ${seed}`);
  const p = new Rng(seed, SPLIT_STREAM).permutation(count);
  const half = validation + Math.floor((count - validation) / 2);
  return { validation: p.slice(0, validation), a: p.slice(validation, half), b: p.slice(half) };
}

/** Test images a with their translations T(a): the answer a translation A → B should give. */
export interface TestPairs {
  /** Test images of domain A, with their labels. */
  readonly a: ImageData;
  /** T(a.images), image for image; without a known T, domain B's own images, as many, unpaired. */
  readonly b: Float32Array;
}

export interface UnpairedTask {
  /** T; undefined when domain B is another dataset (`bDataset`) and no answer is known. */
  readonly transform: DomainTransform | undefined;
  /** Whose images domain B holds, and so which evaluation classifier reads them (through T⁻¹ when there is a T). */
  readonly bDataset: UnpairedDataset;
  /** Domain A: training images of one half, untransformed. */
  readonly a: ImageData;
  /** Domain B: T(training images of the other half); labels kept (never used for training). */
  readonly b: ImageData;
  readonly test: TestPairs;
  /** Held-out training images and their T, for selecting members; present when asked for. */
  readonly validation?: TestPairs;
}

export interface UnpairedTaskOptions {
  /** T (unpairedTask); unused by unpairedDatasetsTask. */
  readonly transform?: DomainTransform;
  /** Which dataset domain B's images are (its evaluation classifier reads them). Default "mnist". */
  readonly bDataset?: UnpairedDataset;
  /** Seeds the split into halves. */
  readonly seed: number;
  /** Images kept per domain: the first `limit` of each half (all of a half when left out). */
  readonly limit?: number;
  /** Test pairs: the first `testLimit` test images (all when left out). */
  readonly testLimit?: number;
  /** Validation pairs: this many training images held out of both domains. Default none. */
  readonly validation?: number;
}

function firstOf(indices: Int32Array, limit: number | undefined, what: string): Int32Array {
  if (limit === undefined) return indices;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`${what} must be a positive integer, got ${limit}`);
  return indices.subarray(0, Math.min(limit, indices.length));
}

const blockOf = (d: ImageData): ImageBlock => ({ count: d.count, height: d.height, width: d.width, channels: d.channels });

const firstTest = (test: ImageData, o: UnpairedTaskOptions): ImageData =>
  o.testLimit === undefined ? test : selectImages(test, firstOf(Int32Array.from({ length: test.count }, (_, i) => i), o.testLimit, "testLimit"), test.name);

/** The task from a training and a test set (any ImageData with square images for rot90). */
export function unpairedTask(train: ImageData, test: ImageData, o: UnpairedTaskOptions): UnpairedTask {
  const transform = o.transform;
  if (transform === undefined) throw new Error("unpairedTask needs a transform T (unpairedDatasetsTask takes domain B from a second dataset)");
  const split = splitHalves(train.count, o.seed, o.validation ?? 0);
  const a = selectImages(train, firstOf(split.a, o.limit, "limit"), `${train.name}[A]`);
  const bRaw = selectImages(train, firstOf(split.b, o.limit, "limit"), `${train.name}[B]`);
  const b: ImageData = { ...bRaw, name: `${train.name}[B:${transform}]`, images: applyTransform(transform, bRaw.images, blockOf(bRaw)) };
  const pairsOf = (x: ImageData): TestPairs => ({ a: x, b: applyTransform(transform, x.images, blockOf(x)) });
  const task: UnpairedTask = { transform, bDataset: o.bDataset ?? "mnist", a, b, test: pairsOf(firstTest(test, o)) };
  return split.validation.length === 0 ? task : { ...task, validation: pairsOf(selectImages(train, split.validation, `${train.name}[validation]`)) };
}

/**
 * The task without a known answer: A from the first training set, B from the second, by one split
 * of the indices both sets share (A's half of the first, B's half of the second, the held-out
 * indices of each for validation), so the two domains never hold the same index; the test and
 * validation "pairs" put image i of one set beside image i of the other.
 */
export function unpairedDatasetsTask(trainA: ImageData, testA: ImageData, trainB: ImageData, testB: ImageData, o: UnpairedTaskOptions): UnpairedTask {
  const shapeOf = (d: ImageData) => `${d.height}×${d.width}×${d.channels}`;
  if (shapeOf(trainA) !== shapeOf(trainB)) throw new Error(`domains A (${trainA.name}, ${shapeOf(trainA)}) and B (${trainB.name}, ${shapeOf(trainB)}) need images of one shape`);
  const split = splitHalves(Math.min(trainA.count, trainB.count), o.seed, o.validation ?? 0);
  const a = selectImages(trainA, firstOf(split.a, o.limit, "limit"), `${trainA.name}[A]`);
  const b = selectImages(trainB, firstOf(split.b, o.limit, "limit"), `${trainB.name}[B]`);
  // As many test images of each set: the first testLimit, or all of the shorter set.
  const kept = (d: ImageData) => firstOf(Int32Array.from({ length: d.count }, (_, i) => i), o.testLimit, "testLimit").length;
  const n = Math.min(kept(testA), kept(testB));
  const first = (d: ImageData) => (d.count === n ? d : selectImages(d, Int32Array.from({ length: n }, (_, i) => i), d.name));
  const task: UnpairedTask = { transform: undefined, bDataset: o.bDataset ?? "mnist", a, b, test: { a: first(testA), b: first(testB).images } };
  if (split.validation.length === 0) return task;
  return { ...task, validation: { a: selectImages(trainA, split.validation, `${trainA.name}[validation]`), b: selectImages(trainB, split.validation, `${trainB.name}[validation]`).images } };
}

/** The task on a dataset evogan ships: its training set split in halves, its test set for the pairs. */
export function loadUnpairedTask(dataset: UnpairedDataset, o: UnpairedTaskOptions): UnpairedTask {
  return unpairedTask(loadImageData(dataset, "train"), loadImageData(dataset, "test"), { ...o, bDataset: dataset });
}
