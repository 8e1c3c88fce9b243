// Training the evaluation classifier: softmax cross-entropy, minibatch Adam (src/trainers/adam.ts)
// with a per-epoch learning-rate decay, seeded shuffling and optional random shifts of up to
// `maxShift` pixels (zero fill) as light augmentation. Gradients are tfjs autodiff over the
// parameters only, so the slow gradient of conv1 with respect to the input images is never computed.
import * as tf from "@tensorflow/tfjs";
import { adamInit, adamStep, type AdamState } from "../../trainers/adam.ts";
import { Rng } from "../../util/rng.ts";
import { classifierForward, crossEntropy, initClassifier, PARAM_NAMES, type Classifier, type ClassifierParams, type ClassifierSpec } from "./classifier-model.ts";

/** Datasets with an evaluation classifier (both 28×28×1, 10 classes). */
export const CLASSIFIER_DATASETS = ["mnist", "fashion-mnist"] as const;
export type ClassifierDataset = (typeof CLASSIFIER_DATASETS)[number];

export interface ClassifierRecipe {
  readonly dataset: ClassifierDataset;
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's α in epoch 0; epoch e uses lr · lrDecay^e. */
  readonly lr: number;
  readonly lrDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Each training image is shifted by a uniform integer in [−maxShift, maxShift] per axis (0: none). */
  readonly maxShift: number;
  readonly seed: number;
}

/** The recipe of the committed MNIST weights (each default explained in its comment). */
export const DEFAULT_RECIPE: ClassifierRecipe = {
  dataset: "mnist",
  epochs: 8, // enough for ≥ 99% test accuracy; ~1 min per epoch on one wasm core
  batchSize: 128, // Adam's usual minibatch; larger batches are not faster per image on wasm
  lr: 1e-3, // Kingma & Ba's default
  lrDecay: 0.75, // 1e-3 → ~1.3e-4 by the last epoch: settles the last fraction of a percent
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  maxShift: 2, // ±2 px shifts: digits are centred by mass in MNIST, GAN samples less so
  seed: 1,
};

/** Per dataset: Fashion-MNIST's garments are centred and aligned, so no shifts there. */
export function defaultRecipe(dataset: ClassifierDataset): ClassifierRecipe {
  return dataset === "mnist" ? DEFAULT_RECIPE : { ...DEFAULT_RECIPE, dataset, maxShift: 0 };
}

/** Labelled NHWC images in [−1, 1]. */
export interface LabelledImages {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface EpochLog {
  readonly epoch: number;
  readonly lr: number;
  /** Mean minibatch loss over the epoch. */
  readonly loss: number;
  /** Fraction (0..1) of the test set classified correctly after the epoch. */
  readonly testAccuracy: number;
  readonly seconds: number;
}

const asParams = (list: readonly tf.Tensor[]): ClassifierParams =>
  Object.fromEntries(PARAM_NAMES.map((n, i) => [n, list[i]])) as unknown as ClassifierParams;

/**
 * One Adam step on a minibatch (x NHWC, integer labels). Returns the new state and the loss before
 * the step; never disposes `state` (the caller owns both).
 */
export async function trainStep(state: AdamState, x: tf.Tensor4D, labels: tf.Tensor1D, recipe: Pick<ClassifierRecipe, "beta1" | "beta2" | "epsilon">, lr: number): Promise<{ state: AdamState; loss: number }> {
  const { value, grads } = tf.tidy(() => tf.valueAndGrads((...ps: tf.Tensor[]) => crossEntropy(classifierForward(asParams(ps), x).logits, labels))(state.params));
  const next = adamStep(state, grads, { lr, beta1: recipe.beta1, beta2: recipe.beta2, epsilon: recipe.epsilon });
  const loss = (await value.data())[0];
  tf.dispose([value, ...grads]);
  return { state: next, loss };
}

/** Copies image `src` into slot `dst` of `out`, shifted by (dy, dx) with zero (= −1) fill. */
export function copyShifted(images: Float32Array, src: number, out: Float32Array, dst: number, h: number, w: number, dy: number, dx: number): void {
  const per = h * w;
  const s = src * per;
  const d = dst * per;
  if (dy === 0 && dx === 0) {
    out.set(images.subarray(s, s + per), d);
    return;
  }
  out.fill(-1, d, d + per);
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    const sy = y - dy;
    const x0 = Math.max(0, dx);
    const x1 = Math.min(w, w + dx);
    out.set(images.subarray(s + sy * w + x0 - dx, s + sy * w + x1 - dx), d + y * w + x0);
  }
}

/** Fraction of `data` whose argmax logit equals its label (batched forward passes). */
export async function accuracy(classifier: Classifier, data: LabelledImages, batchSize = 1000): Promise<number> {
  const { height: h, width: w, channels: c } = classifier.spec;
  const per = h * w * c;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(start * per, (start + n) * per), [n, h, w, c]);
      return tf.argMax(classifierForward(classifier.params, x).logits, 1);
    });
    const p = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < n; i++) if (p[i] === data.labels[start + i]) correct++;
  }
  return correct / data.count;
}

export interface TrainResult {
  readonly classifier: Classifier;
  readonly epochs: readonly EpochLog[];
  readonly testAccuracy: number;
}

/**
 * Trains a fresh classifier of `spec` on `train` by `recipe`, measuring `test` accuracy after each
 * epoch (reported through onEpoch). Minibatches are drawn without replacement from a permutation
 * made by Rng(seed, 1, epoch); shifts from Rng(seed, 2, epoch); weights from Rng(seed, 0).
 */
export async function trainClassifier(spec: ClassifierSpec, recipe: ClassifierRecipe, train: LabelledImages, test: LabelledImages, onEpoch?: (e: EpochLog) => void): Promise<TrainResult> {
  if (spec.channels !== 1) throw new Error("trainClassifier: shift augmentation is written for one channel");
  const { height: h, width: w } = spec;
  const per = h * w;
  const init = initClassifier(spec, new Rng(recipe.seed, 0));
  let state = adamInit(PARAM_NAMES.map((n) => init.params[n]));
  const epochs: EpochLog[] = [];
  const batchX = new Float32Array(recipe.batchSize * per);
  const batchY = new Int32Array(recipe.batchSize);
  for (let epoch = 0; epoch < recipe.epochs; epoch++) {
    const started = performance.now();
    const lr = recipe.lr * recipe.lrDecay ** epoch;
    const order = new Rng(recipe.seed, 1, epoch).permutation(train.count);
    const shifts = new Rng(recipe.seed, 2, epoch);
    let lossSum = 0;
    let steps = 0;
    for (let start = 0; start + recipe.batchSize <= train.count; start += recipe.batchSize) {
      for (let i = 0; i < recipe.batchSize; i++) {
        const src = order[start + i];
        const dy = recipe.maxShift > 0 ? shifts.int(2 * recipe.maxShift + 1) - recipe.maxShift : 0;
        const dx = recipe.maxShift > 0 ? shifts.int(2 * recipe.maxShift + 1) - recipe.maxShift : 0;
        copyShifted(train.images, src, batchX, i, h, w, dy, dx);
        batchY[i] = train.labels[src];
      }
      const x = tf.tensor4d(batchX, [recipe.batchSize, h, w, 1]);
      const y = tf.tensor1d(batchY, "int32");
      const out = await trainStep(state, x, y, recipe, lr);
      tf.dispose([x, y, ...state.params, ...state.m, ...state.v]);
      state = out.state;
      lossSum += out.loss;
      steps++;
      if (!Number.isFinite(out.loss)) throw new Error(`trainClassifier: loss became ${out.loss} in epoch ${epoch + 1}`);
    }
    const testAccuracy = await accuracy({ spec, params: asParams(state.params) }, test);
    const log: EpochLog = { epoch: epoch + 1, lr, loss: lossSum / steps, testAccuracy, seconds: (performance.now() - started) / 1000 };
    epochs.push(log);
    onEpoch?.(log);
  }
  tf.dispose([...state.m, ...state.v]);
  const classifier: Classifier = { spec, params: asParams(state.params) };
  return { classifier, epochs, testAccuracy: epochs.length ? epochs[epochs.length - 1].testAccuracy : await accuracy(classifier, test) };
}
