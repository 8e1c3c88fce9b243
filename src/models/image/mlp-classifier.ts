// The semi-supervised discriminator's body (Salimans et al. 2016's MNIST D), on any flat input:
//
//   h → +N(0, σ_in²) → [dense → ReLU → +N(0, σ_h²)] per hidden layer → dense → N logits
//
// The last hidden layer's output (ReLU'd, before its noise) is the feature layer f of feature
// matching, as in their code (layers[-3]). SGAN's D (sgan.ts) runs it on the flattened image;
// augmented BiGAN's joint D (augbigan.ts) on the flattened image beside its code z.
// Dense layers are weight-normalised (w = g·v/‖v‖ per output unit, Salimans & Kingma 2016) when
// `weightNorm` is set, plain otherwise; both start as the same function: He's scale √(2/fan_in)
// before a ReLU and √(1/fan_in) for the logits, as weights or as the norm g.
import * as tf from "@tensorflow/tfjs";
import type { ImageData } from "../../data/image-data.ts";
import type { Rng } from "../../util/rng.ts";
import { initDense, linear, relu, weightNormLinear } from "./layers.ts";
import type { ParamInit, Params } from "./params.ts";

export interface MlpClassifierSpec {
  /** Width of the flat input. */
  readonly inputSize: number;
  /** N, the logits. */
  readonly classes: number;
  /** Hidden layer widths, input side first (at least one: the last is the feature layer). */
  readonly hidden: readonly number[];
  /** σ of the Gaussian noise on the input while training. */
  readonly inputNoise: number;
  /** σ of the Gaussian noise on each hidden layer's output while training. */
  readonly hiddenNoise: number;
  readonly weightNorm: boolean;
}

/** The classifier's logits and its feature layer f. */
export interface ClassifierOutputs {
  readonly logits: tf.Tensor2D;
  readonly features: tf.Tensor2D;
}

export interface MlpClassifier {
  /** Name of the dense layer whose output is the feature layer f. */
  readonly featureLayer: string;
  init(init: ParamInit): void;
  /** Logits and features of flat inputs h [B, inputSize]; with `noise`, the noise layers draw from it (training). */
  classify(d: Params, h: tf.Tensor2D, noise?: Rng): ClassifierOutputs;
}

/** Names of the dense layers: d.fc0 … d.fc{k−1} hidden, d.out the logits. */
const hiddenName = (i: number): string => `d.fc${i}`;

export function mlpClassifier(spec: MlpClassifierSpec): MlpClassifier {
  const { inputSize, classes, hidden, inputNoise, hiddenNoise, weightNorm } = spec;
  if (hidden.length < 1) throw new Error("an MLP classifier needs at least one hidden layer (its last one is the feature layer)");
  const featureLayer = hiddenName(hidden.length - 1);
  const addNoise = (h: tf.Tensor2D, sigma: number, noise: Rng | undefined): tf.Tensor2D =>
    noise === undefined || sigma === 0 ? h : tf.add(h, tf.tensor2d(noise.normalArray(h.size, 0, sigma), h.shape));
  const dense = (h: tf.Tensor2D, d: Params, name: string): tf.Tensor2D => (weightNorm ? weightNormLinear(h, d, name) : linear(h, d, name));
  const initLayer = (init: ParamInit, name: string, fanIn: number, n: number, gain: number): void => {
    if (!weightNorm) return initDense(init, name, fanIn, n, { init: "normal", std: gain / Math.sqrt(fanIn) });
    init.normal(`${name}.v`, [fanIn, n], 1 / Math.sqrt(fanIn));
    init.add(`${name}.g`, [n], new Float32Array(n).fill(gain));
    init.zeros(`${name}.b`, [n]);
  };
  return {
    featureLayer,
    init(init) {
      let fanIn = inputSize;
      hidden.forEach((n, i) => {
        initLayer(init, hiddenName(i), fanIn, n, Math.SQRT2);
        fanIn = n;
      });
      initLayer(init, "d.out", fanIn, classes, 1);
    },
    classify(d, input, noise) {
      let h = addNoise(input, inputNoise, noise);
      let features: tf.Tensor2D | undefined;
      hidden.forEach((_, i) => {
        h = relu(dense(h, d, hiddenName(i)));
        if (i === hidden.length - 1) features = h;
        h = addNoise(h, hiddenNoise, noise);
      });
      return { logits: dense(h, d, "d.out"), features: features! };
    },
  };
}

/**
 * The fraction of `data` that a classifier labels right (argmax of `logitsOf`, which the caller
 * gives without noise), in batches of `batchSize`; read with awaited reads (webgpu has no
 * synchronous ones in Node).
 */
export async function classifierAccuracy(logitsOf: (x: tf.Tensor4D) => tf.Tensor2D, data: ImageData, batchSize = 500): Promise<number> {
  const per = data.height * data.width * data.channels;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    const predicted = tf.tidy(() => tf.argMax(logitsOf(tf.tensor4d(data.images.subarray(start * per, (start + n) * per), [n, data.height, data.width, data.channels])), 1));
    const labels = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < n; i++) if (labels[i] === data.labels[start + i]) correct++;
  }
  return data.count === 0 ? NaN : correct / data.count;
}
