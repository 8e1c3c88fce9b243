// What an image GAN model family (DCGAN, BigGAN, BigBiGAN's generator side) gives its trainer:
// parameter declarations and forward passes over named parameters (src/models/image/params.ts).
// Forward passes are plain tf ops, so the trainer differentiates them with tf.grads; a forward
// in training mode writes new spectral-norm u vectors into `updates`.
import type * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface ImageGanModel {
  readonly zDim: number;
  /** 0 for an unconditional model; otherwise G and D take class labels. */
  readonly numClasses: number;
  readonly shape: ImageShape;
  initG(init: ParamInit): void;
  initD(init: ParamInit): void;
  /** Images in [−1, 1] (tanh), NHWC. */
  generate(g: Params, z: tf.Tensor2D, y: tf.Tensor1D | undefined, updates?: Updates): tf.Tensor4D;
  /** D's logits, one per image. */
  discriminate(d: Params, x: tf.Tensor4D, y: tf.Tensor1D | undefined, updates?: Updates): tf.Tensor1D;
  /** G weights the orthogonal regularization applies to (BigGAN: every weight but the shared embedding). */
  orthoRegNames(g: Params): string[];
}
