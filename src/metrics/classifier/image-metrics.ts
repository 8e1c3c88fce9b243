// FID, Inception-style score and class TVD of generated images, computed with the committed
// evaluation classifier of their dataset in place of Inception-v3:
//   FID  on the classifier's penultimate features (128-d, after ReLU), against the mean and
//        covariance of the features of N real *training* images (src/metrics/frechet.ts);
//   IS   exp(E_x KL(p(y|x) ‖ p(y))) of the classifier's softmax (src/metrics/inception-score.ts);
//   TVD  of the predicted-class histogram against the uniform distribution. MNIST's classes are
//        near-uniform, not exactly (9.0 %–11.2 % of the training set per digit), so real images
//        themselves score about 0.02, not 0; Fashion-MNIST's derived split is exactly balanced.
// These numbers are comparable between evogan runs, not with FID/IS published on Inception.
// Device reads are awaited (the webgpu backend has no synchronous reads in Node); the classifier
// and each reference are loaded once per process and backend, and kept. The default reference is
// read from its committed file when it belongs to the loaded classifier (reference-file.ts).
import * as tf from "@tensorflow/tfjs";
import { loadImageData } from "../../data/image-dataset.ts";
import type { ImageMetrics } from "../../records.ts";
import { frechetDistance, meanAndCovariance, type MeanCov } from "../frechet.ts";
import { classTvd, inceptionScore } from "../inception-score.ts";
import { classifierForward, disposeClassifier, type Classifier } from "./classifier-model.ts";
import { classifierFile, loadClassifier } from "./classifier-weights.ts";
import { readReference } from "./reference-file.ts";
import type { ClassifierDataset } from "./train-classifier.ts";

export type { ImageMetrics };

/** Training images the reference statistics are computed on, by default. */
export const DEFAULT_REFERENCE_SIZE = 10_000;
/** Shuffle seed choosing the reference subset of the training set (fixed: every run compares to the same images). */
export const REFERENCE_SEED = 0;

const loaded = new Map<ClassifierDataset, { backend: string; classifier: Classifier; sha256: string }>();

function loadedClassifier(dataset: ClassifierDataset): { classifier: Classifier; sha256: string } {
  const backend = tf.getBackend();
  const hit = loaded.get(dataset);
  if (hit && hit.backend === backend) return hit;
  if (hit) disposeClassifier(hit.classifier);
  const { classifier, sidecar } = loadClassifier(classifierFile(dataset));
  const entry = { backend, classifier, sha256: sidecar.sha256 };
  loaded.set(dataset, entry);
  return entry;
}

/** The committed classifier of `dataset`, loaded (sha256-checked) once per process and backend. */
export function evaluationClassifier(dataset: ClassifierDataset = "mnist"): Classifier {
  return loadedClassifier(dataset).classifier;
}

export interface Classified {
  /** count × F penultimate features, row-major. */
  readonly features: Float64Array;
  /** count × classes softmax probabilities, row-major. */
  readonly probs: Float64Array;
}

/** Classifier features and probabilities of NHWC images in [−1, 1], `batchSize` at a time (tensor count flat). */
export async function classify(classifier: Classifier, images: Float32Array, count: number, batchSize = 500): Promise<Classified> {
  const { height: h, width: w, channels: c, hidden: f, classes: k } = classifier.spec;
  const per = h * w * c;
  if (!Number.isInteger(count) || count < 1) throw new Error(`classify: count must be a positive integer, got ${count}`);
  if (images.length !== count * per) throw new Error(`classify: ${count} images of ${h}×${w}×${c} need ${count * per} values, got ${images.length}`);
  const features = new Float64Array(count * f);
  const probs = new Float64Array(count * k);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const [feat, prob] = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * per, (start + n) * per), [n, h, w, c]);
      const out = classifierForward(classifier.params, x);
      return [out.features, tf.softmax(out.logits)];
    });
    const [featValues, probValues] = await Promise.all([feat.data(), prob.data()]);
    features.set(featValues, start * f);
    probs.set(probValues, start * k);
    tf.dispose([feat, prob]);
  }
  return { features, probs };
}

/** Argmax class of each row of count × k probabilities. */
export function predictedClasses(probs: Float64Array, count: number, k: number): Int32Array {
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** IS and class TVD (vs uniform) of classified images. */
export function classScores(probs: Float64Array, count: number, k: number): { inceptionScore: number; classTvd: number } {
  return { inceptionScore: inceptionScore(probs, count, k), classTvd: classTvd(predictedClasses(probs, count, k), k) };
}

export interface ReferenceStats extends MeanCov {
  readonly dataset: ClassifierDataset;
  /** Training images the statistics are computed on. */
  readonly n: number;
}

const references = new Map<string, ReferenceStats>();

/**
 * Mean and covariance of the classifier features of `n` training images of `dataset` (the first n
 * after a shuffle with REFERENCE_SEED): read from the committed reference file when it holds them
 * for the loaded classifier (unless `fromFile` is false), else computed; once per process.
 */
export async function referenceStats(dataset: ClassifierDataset = "mnist", n: number = DEFAULT_REFERENCE_SIZE, opts: { readonly fromFile?: boolean } = {}): Promise<ReferenceStats> {
  const fromFile = opts.fromFile ?? true;
  const key = `${dataset}/${n}/${tf.getBackend()}/${fromFile ? "file" : "computed"}`;
  const hit = references.get(key);
  if (hit) return hit;
  if (!Number.isInteger(n) || n < 2) throw new Error(`referenceStats: n must be an integer ≥ 2, got ${n}`);
  const { classifier, sha256 } = loadedClassifier(dataset);
  const committed = fromFile ? readReference(dataset, n, REFERENCE_SEED, sha256) : undefined;
  if (committed) {
    const stats: ReferenceStats = { dataset, n, ...committed };
    references.set(key, stats);
    return stats;
  }
  const stats = await computeReference(classifier, dataset, n);
  references.set(key, stats);
  return stats;
}

/** The reference statistics of `n` training images of `dataset` under `classifier`, computed (no file, no cache). */
export async function computeReference(classifier: Classifier, dataset: ClassifierDataset, n: number = DEFAULT_REFERENCE_SIZE): Promise<ReferenceStats> {
  const data = loadImageData(dataset, "train", { seed: REFERENCE_SEED, limit: n });
  if (data.count < n) throw new Error(`referenceStats: ${dataset} has ${data.count} training images, asked for ${n}`);
  const { features } = await classify(classifier, data.images, data.count);
  return { dataset, n, ...meanAndCovariance(features, data.count, classifier.spec.hidden) };
}

/**
 * FID of classified images against a reference (their mean and covariance vs the reference's).
 * The distance is ≥ 0; rounding can leave −1e-11 for identical sets, reported as 0.
 */
export function fidAgainst(features: Float64Array, count: number, d: number, ref: MeanCov): number {
  const own = meanAndCovariance(features, count, d);
  return Math.max(0, frechetDistance(own.mean, own.cov, ref.mean, ref.cov));
}

/**
 * FID against the training set's reference statistics, IS, and the TVD of the predicted class
 * histogram from uniform, for `count` (≥ 2) NHWC images in [−1, 1] (e.g. generator samples).
 */
export async function imageMetrics(images: Float32Array, count: number, dataset: ClassifierDataset = "mnist"): Promise<ImageMetrics> {
  if (!Number.isInteger(count) || count < 2) throw new Error(`imageMetrics: need at least 2 images, got ${count}`);
  const classifier = evaluationClassifier(dataset);
  const { features, probs } = await classify(classifier, images, count);
  const ref = await referenceStats(dataset);
  const { hidden: d, classes: k } = classifier.spec;
  return { samples: count, fid: fidAgainst(features, count, d, ref), ...classScores(probs, count, k) };
}
