// The evaluation classifier: a small LeNet-style CNN that stands in for the Inception network of
// FID and IS on MNIST-like data (no Inception weights can be downloaded here; Ray Tune's PBT DCGAN
// example does the same). Plain tfjs ops over named parameter tensors, no tf.layers, so it runs
// the same on the main thread and inside worker threads.
//
//   x [N, 28, 28, 1] in [−1, 1]
//   conv 5×5 → c1, 'valid', ReLU, max-pool 2   → [N, 12, 12, c1]
//   conv 5×5 → c2, 'valid', ReLU, max-pool 2   → [N, 4, 4, c2]
//   dense → hidden, ReLU                        = the penultimate features (FID is computed on them)
//   dense → classes                             = the logits (IS and the class histogram use softmax)
//
// Layouts follow tfjs: conv filters [kh, kw, cin, cout], dense weights [in, out], images NHWC.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../util/rng.ts";

export interface ClassifierSpec {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Filters of the first and second 5×5 convolutions. */
  readonly conv1: number;
  readonly conv2: number;
  /** Width of the penultimate (feature) layer. */
  readonly hidden: number;
  readonly classes: number;
}

/** The committed MNIST classifier's architecture (≈ 80k weights, ≈ 0.3 MB). */
export const MNIST_CLASSIFIER_SPEC: ClassifierSpec = { height: 28, width: 28, channels: 1, conv1: 16, conv2: 32, hidden: 128, classes: 10 };

const KERNEL = 5;

/** Parameter names, in the order they are stored in the weights file. */
export const PARAM_NAMES = ["conv1.w", "conv1.b", "conv2.w", "conv2.b", "fc1.w", "fc1.b", "fc2.w", "fc2.b"] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type ClassifierParams = Readonly<Record<ParamName, tf.Tensor>>;

export interface Classifier {
  readonly spec: ClassifierSpec;
  readonly params: ClassifierParams;
}

/** Side of the feature map after the two conv ('valid') + pool stages: ((s − 4)/2 − 4)/2. */
function pooledSide(s: number): number {
  const afterFirst = Math.floor((s - KERNEL + 1) / 2);
  return Math.floor((afterFirst - KERNEL + 1) / 2);
}

/** Length of the flattened conv output that feeds fc1. */
export function flatSize(spec: ClassifierSpec): number {
  const h = pooledSide(spec.height);
  const w = pooledSide(spec.width);
  if (h < 1 || w < 1) throw new Error(`classifier: input ${spec.height}×${spec.width} is too small for two 5×5 conv + pool stages`);
  return h * w * spec.conv2;
}

/** Shape of every parameter of a spec, in PARAM_NAMES order. */
export function paramShapes(spec: ClassifierSpec): Record<ParamName, number[]> {
  return {
    "conv1.w": [KERNEL, KERNEL, spec.channels, spec.conv1],
    "conv1.b": [spec.conv1],
    "conv2.w": [KERNEL, KERNEL, spec.conv1, spec.conv2],
    "conv2.b": [spec.conv2],
    "fc1.w": [flatSize(spec), spec.hidden],
    "fc1.b": [spec.hidden],
    "fc2.w": [spec.hidden, spec.classes],
    "fc2.b": [spec.classes],
  };
}

export function parameterCount(spec: ClassifierSpec): number {
  return Object.values(paramShapes(spec)).reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
}

/** He-normal weights (std √(2/fan_in), for the ReLU layers; also used for the logits) and zero biases. */
export function initClassifierArrays(spec: ClassifierSpec, rng: Rng): Record<ParamName, Float32Array> {
  const shapes = paramShapes(spec);
  const out = {} as Record<ParamName, Float32Array>;
  for (const name of PARAM_NAMES) {
    const shape = shapes[name];
    const size = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith(".b")) {
      out[name] = new Float32Array(size);
    } else {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      out[name] = rng.normalArray(size, 0, Math.sqrt(2 / fanIn));
    }
  }
  return out;
}

/** Tensors from arrays (shapes checked against the spec). */
export function classifierFromArrays(spec: ClassifierSpec, arrays: Record<ParamName, Float32Array>): Classifier {
  const shapes = paramShapes(spec);
  for (const name of PARAM_NAMES) {
    const size = shapes[name].reduce((a, b) => a * b, 1);
    if (arrays[name]?.length !== size) throw new Error(`classifier: ${name} has ${arrays[name]?.length} values, shape [${shapes[name]}] needs ${size}`);
  }
  const params = {} as Record<ParamName, tf.Tensor>;
  for (const name of PARAM_NAMES) params[name] = tf.tensor(arrays[name], shapes[name], "float32");
  return { spec, params };
}

export function initClassifier(spec: ClassifierSpec, rng: Rng): Classifier {
  return classifierFromArrays(spec, initClassifierArrays(spec, rng));
}

export function disposeClassifier(c: Classifier): void {
  tf.dispose(Object.values(c.params));
}

export interface ClassifierOutput {
  /** [N, classes], before softmax. */
  readonly logits: tf.Tensor2D;
  /** [N, hidden]: the penultimate layer after ReLU. */
  readonly features: tf.Tensor2D;
}

/** Forward pass; `x` is NHWC in [−1, 1]. The caller disposes the outputs (or runs inside tf.tidy). */
export function classifierForward(params: ClassifierParams, x: tf.Tensor4D): ClassifierOutput {
  return tf.tidy(() => {
    const stage = (h: tf.Tensor4D, w: string, b: string): tf.Tensor4D => {
      const conv = tf.relu(tf.add(tf.conv2d(h, params[w as ParamName] as tf.Tensor4D, 1, "valid"), params[b as ParamName])) as tf.Tensor4D;
      return tf.maxPool(conv, 2, 2, "valid");
    };
    const h2 = stage(stage(x, "conv1.w", "conv1.b"), "conv2.w", "conv2.b");
    const flat = tf.reshape(h2, [h2.shape[0], -1]) as tf.Tensor2D;
    const features = tf.relu(tf.add(tf.matMul(flat, params["fc1.w"] as tf.Tensor2D), params["fc1.b"])) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(features, params["fc2.w"] as tf.Tensor2D), params["fc2.b"]) as tf.Tensor2D;
    return { logits, features };
  });
}

/** Mean softmax cross-entropy of logits [N, k] against integer labels (a scalar tensor). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(labels, k)), 1))) as tf.Scalar;
  });
}
