// Augmented BiGAN (Kumar, Sattigeri & Fletcher 2017, "Semi-supervised learning with GANs:
// manifold invariance with improved inference") at MNIST scale: a BiGAN whose joint D is SGAN's
// N-class classifier (the "fake" logit fixed at 0, Salimans et al.'s parametrisation:
// src/losses/semi-losses.ts has the math).
//
//   G: DCGAN's generator, as SGAN's (sgan.ts): z → image in [−1, 1]
//   E: x → flatten → [dense → ReLU] per eHidden → dense → z   (deterministic, BiGAN's E)
//   D: [flatten(x) + N(0, σ_in²), z] → mlp-classifier.ts (SGAN's widths and hidden noise) → N logits;
//      its last hidden layer is the feature layer f of feature matching
//
// Why these pieces: D's body is SGAN's, the D of the published 100-label MNIST result, so the two
// semi-supervised families differ only in what augmented BiGAN adds (the code z beside x, the
// encoder, the third pair (G(E(x)), E(x))). E is a dense MLP rather than BigBiGAN's residual conv
// encoder (bigbigan.ts): on a CPU core, matrix products run at the native GEMM's full speed, and
// BigBiGAN's encoder would cost more than this whole D. BigBiGAN's deterministic-encoder form is
// the one kept (z = E(x)): the reconstructions G(E(x)) the third pair trains are then one image.
// The input noise is on x only: the code z is what D pairs x with, and noise of σ_in = 0.6 on a
// N(0, 1) code would blur most of it.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../util/rng.ts";
import type { ImageShape } from "./image-model.ts";
import { initDense, linear, relu } from "./layers.ts";
import { mlpClassifier, type ClassifierOutputs } from "./mlp-classifier.ts";
import type { ImageGenerator } from "./mlp-generator.ts";
import type { ParamInit, Params } from "./params.ts";
import { dcganGenerator } from "./sgan.ts";

export interface AugbiganSpec {
  readonly zDim: number;
  /** G's base width w (dcgan.ts). */
  readonly width: number;
  readonly shape: ImageShape;
  /** N, the real classes: D's logits. */
  readonly classes: number;
  /** D's hidden layer widths, input side first. */
  readonly dHidden: readonly number[];
  /** σ of the Gaussian noise on D's image input while training. */
  readonly inputNoise: number;
  /** σ of the Gaussian noise on each of D's hidden layers while training. */
  readonly hiddenNoise: number;
  /** Weight normalization of D's dense layers (mlp-classifier.ts). */
  readonly weightNorm: boolean;
  /** E's hidden layer widths, image side first. */
  readonly eHidden: readonly number[];
}

export interface AugbiganModel {
  readonly zDim: number;
  readonly shape: ImageShape;
  /** N, the real classes D tells apart. */
  readonly classes: number;
  /** The generator alone (sampling draws from it). */
  readonly gen: ImageGenerator;
  initE(init: ParamInit): void;
  /** z = E(x). */
  encode(e: Params, x: tf.Tensor4D): tf.Tensor2D;
  initD(init: ParamInit): void;
  /** D's logits and features of pairs (x, z); with `noise`, D's noise layers draw from it (training). */
  classify(d: Params, x: tf.Tensor4D, z: tf.Tensor2D, noise?: Rng): ClassifierOutputs;
}

const eName = (i: number): string => `e.fc${i}`;

export function augbigan(spec: AugbiganSpec): AugbiganModel {
  const { zDim, width, shape, classes, dHidden, inputNoise, hiddenNoise, weightNorm, eHidden } = spec;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`augbigan: a classifier needs at least 2 classes, got ${classes}`);
  const pixels = shape.height * shape.width * shape.channels;
  const flat = (x: tf.Tensor4D): tf.Tensor2D => tf.reshape(x, [x.shape[0], pixels]) as tf.Tensor2D;
  // The body's own input noise is off: augbigan.ts adds it to x alone (see the header).
  const body = mlpClassifier({ inputSize: pixels + zDim, classes, hidden: dHidden, inputNoise: 0, hiddenNoise, weightNorm });
  return {
    zDim,
    shape,
    classes,
    gen: dcganGenerator({ zDim, width, shape }),
    initE(init) {
      let fanIn = pixels;
      eHidden.forEach((n, i) => {
        initDense(init, eName(i), fanIn, n, { init: "normal", std: Math.SQRT2 / Math.sqrt(fanIn) });
        fanIn = n;
      });
      initDense(init, "e.out", fanIn, zDim, { init: "normal", std: 1 / Math.sqrt(fanIn) });
    },
    encode(e, x) {
      let h = flat(x);
      eHidden.forEach((_, i) => (h = relu(linear(h, e, eName(i)))));
      return linear(h, e, "e.out");
    },
    initD: (init) => body.init(init),
    classify(d, x, z, noise) {
      const h = flat(x);
      const noisy = noise === undefined || inputNoise === 0 ? h : tf.add(h, tf.tensor2d(noise.normalArray(h.size, 0, inputNoise), h.shape));
      return body.classify(d, tf.concat([noisy, z], 1) as tf.Tensor2D, noise);
    },
  };
}
