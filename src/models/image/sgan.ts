// SGAN (Odena 2016) in Salimans et al. 2016's form: D is an N-class classifier whose "fake"
// logit is fixed at 0 (src/losses/semi-losses.ts has the math), G is DCGAN's.
//
//   G: dcgan.ts's generator (z → linear → 7×7×2w → BN → ReLU → convT → w → BN → ReLU → convT → tanh),
//      or with `generator: "mlp"` Salimans et al.'s MLP generator (mlp-generator.ts)
//   D: x → flatten → mlp-classifier.ts (Salimans et al.'s MNIST widths 784-1000-500-250-250-250-10,
//      Gaussian noise on the input and after each hidden layer) → N logits; its last hidden layer
//      is the feature layer f of feature matching.
//
// Why an MLP D rather than dcgan's conv D: it is the D of the published 100-label MNIST result
// (99.07%, Table 1) that the bar is measured against, and it is matrix products only, which
// evogan's native GEMM runs at full speed on a CPU core, with no conv-gradient kernels (the slow
// part of a DCGAN step on wasm). Its Gaussian noise layers are the regulariser that keeps a D with
// 1.5M weights from memorising 100 labels.
// Departures: Salimans et al.'s weight-normalised layers get a data-dependent init; these start
// at He's scale (mlp-classifier.ts), as weights or (weightNorm) as the norm g. Pixels here span
// [−1, 1], twice their [0, 1], so the input noise σ that matches their 0.3 is 0.6.
//
// As an ImageGanModel (so E-GAN's image trainer can drive it unchanged), `discriminate` returns
// the unsupervised score s = logsumexp l, D's binary logit, without noise; `classify` is the
// semi-supervised forward, with the noise layers on when it is given an Rng.
import * as tf from "@tensorflow/tfjs";
import { unsupervisedScore } from "../../losses/semi-losses.ts";
import type { Rng } from "../../util/rng.ts";
import { dcgan } from "./dcgan.ts";
import { MLP_G_HIDDEN, mlpGenerator, type ImageGenerator } from "./mlp-generator.ts";
import { SGAN_D_DEFAULTS } from "./sgan-defaults.ts";
import type { ImageGanModel, ImageShape } from "./image-model.ts";
import { mlpClassifier, type ClassifierOutputs } from "./mlp-classifier.ts";
import type { Params } from "./params.ts";

export interface SganSpec {
  readonly zDim: number;
  /** G's base width w (dcgan.ts; unused by the MLP generator). */
  readonly width: number;
  /** G: DCGAN's convolutional one (default) or Salimans et al.'s MLP (mlp-generator.ts). */
  readonly generator?: SganGenerator;
  readonly shape: ImageShape;
  /** N, the number of real classes: D's logits. */
  readonly classes: number;
  /** D's hidden layer widths, input side first. */
  readonly dHidden: readonly number[];
  /** σ of the Gaussian noise added to D's input while training. */
  readonly inputNoise: number;
  /** σ of the Gaussian noise added to each hidden layer's output while training. */
  readonly hiddenNoise: number;
  /**
   * Weight normalization (Salimans & Kingma 2016) of D's dense layers: w = g·v/‖v‖ per output
   * unit, as in Salimans et al.'s MNIST D. Off: plain dense layers.
   */
  readonly weightNorm?: boolean;
}

export { SGAN_D_DEFAULTS };

export type SganGenerator = "dcgan" | "mlp";

/** D's semi-supervised forward: N class logits and the feature layer f. */
export type SganOutputs = ClassifierOutputs;

export interface SganModel extends ImageGanModel {
  /** N, the real classes D tells apart (numClasses stays 0: G is unconditional). */
  readonly classes: number;
  /** Name of the dense layer whose output is the feature layer f (`${featureLayer}.w`, `.b`). */
  readonly featureLayer: string;
  /** Logits and features; with `noise`, the Gaussian noise layers draw from it (training). */
  classify(d: Params, x: tf.Tensor4D, noise?: Rng): SganOutputs;
}

/** DCGAN's generator alone, as an ImageGenerator. */
export function dcganGenerator(spec: { zDim: number; width: number; shape: ImageShape }): ImageGenerator {
  const m = dcgan(spec);
  return { initG: (init) => m.initG(init), generate: (g, z) => m.generate(g, z, undefined) };
}

export function sgan(spec: SganSpec): SganModel {
  const { zDim, width, shape, classes, dHidden, inputNoise, hiddenNoise, weightNorm = false, generator = "dcgan" } = spec;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`sgan: a classifier needs at least 2 classes, got ${classes}`);
  if (dHidden.length < 1) throw new Error("sgan: D needs at least one hidden layer (its last one is the feature layer)");
  const g: ImageGenerator = generator === "mlp" ? mlpGenerator({ zDim, hidden: MLP_G_HIDDEN, shape }) : dcganGenerator({ zDim, width, shape });
  const inputSize = shape.height * shape.width * shape.channels;
  const body = mlpClassifier({ inputSize, classes, hidden: dHidden, inputNoise, hiddenNoise, weightNorm });
  const classify = (d: Params, x: tf.Tensor4D, noise?: Rng): SganOutputs => body.classify(d, tf.reshape(x, [x.shape[0], inputSize]) as tf.Tensor2D, noise);

  return {
    zDim,
    numClasses: 0,
    shape,
    classes,
    featureLayer: body.featureLayer,
    initG: (init) => g.initG(init),
    initD: (init) => body.init(init),
    generate: (gp, z) => g.generate(gp, z),
    discriminate: (d, x) => unsupervisedScore(classify(d, x).logits),
    classify,
    orthoRegNames: () => [],
  };
}

/**
 * D's logits of several batches from one forward pass over them stacked. D's rows are independent
 * (no batch statistics), so these are the separate passes' logits (the noise aside, drawn in one
 * block), with one matrix product per layer and one weight normalization instead of one per
 * batch: SGAN's D step (labelled, unlabelled and generated images) took 1.3× as long as three passes.
 */
export function classifyStacked(model: SganModel, d: Params, xs: readonly tf.Tensor4D[], noise?: Rng): tf.Tensor2D[] {
  const { logits } = model.classify(d, tf.concat(xs as tf.Tensor4D[]), noise);
  return tf.split(logits, xs.map((x) => x.shape[0])) as tf.Tensor2D[];
}
