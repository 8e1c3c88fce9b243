// Building blocks of the image models as pure functions over named parameters.
//
// A layer is an `init*` function that declares its weights in a ParamInit, and a forward
// function of (input, params, name) made of plain tf ops, usable inside tf.tidy and tf.grads.
// Weights: conv [kh, kw, cin, cout] at `${name}.w`, dense [in, out] at `${name}.w`, optional
// bias [cout] at `${name}.b`, and the spectral-norm vector `${name}.w.u` when spectrally normed.
// Images are NHWC.
import * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";
import { orthogonalArray } from "./orthogonal.ts";
import { initSpectralU, sn } from "./spectral-norm.ts";

export interface WeightOptions {
  /** Declare a zero bias `${name}.b` (conv and dense only). Default true. */
  readonly bias?: boolean;
  /** Spectrally normalise the weight: declares `${name}.w.u`. Default false. */
  readonly sn?: boolean;
  /** Orthogonal (BigGAN) or N(0, std²) (DCGAN). Default "orthogonal". */
  readonly init?: "orthogonal" | "normal";
  /** Standard deviation of the "normal" init. Default 0.02. */
  readonly std?: number;
}

/** Declares the weight `name` itself (full name, no ".w" added) and its `.u` when sn. */
export function initWeight(init: ParamInit, name: string, shape: number[], opts: WeightOptions = {}): void {
  const data =
    (opts.init ?? "orthogonal") === "orthogonal"
      ? orthogonalArray(shape, init.rng)
      : init.rng.normalArray(shape.reduce((a, b) => a * b, 1), 0, opts.std ?? 0.02);
  init.add(name, shape, data);
  if (opts.sn ?? false) initSpectralU(init, name, shape[shape.length - 1]);
}

/** Conv layer `name`: `${name}.w` [kh, kw, cin, cout], `${name}.b` [cout] zeros unless bias: false. */
export function initConv(
  init: ParamInit,
  name: string,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  opts: WeightOptions = {},
): void {
  initWeight(init, `${name}.w`, [kh, kw, cin, cout], opts);
  if (opts.bias ?? true) init.zeros(`${name}.b`, [cout]);
}

/** Dense layer `name`: `${name}.w` [nin, nout], `${name}.b` [nout] zeros unless bias: false. */
export function initDense(init: ParamInit, name: string, nin: number, nout: number, opts: WeightOptions = {}): void {
  initWeight(init, `${name}.w`, [nin, nout], opts);
  if (opts.bias ?? true) init.zeros(`${name}.b`, [nout]);
}

/** y = conv2d(x, sn(w), stride, 'same') + b. */
export function conv(x: tf.Tensor4D, p: Params, name: string, updates?: Updates, stride = 1): tf.Tensor4D {
  const w = sn(p, `${name}.w`, updates) as tf.Tensor4D;
  const y = tf.conv2d(x, w, stride, "same");
  const b = p[`${name}.b`];
  return b === undefined ? y : tf.add(y, b);
}

/** y = x·sn(w) + b. */
export function linear(x: tf.Tensor2D, p: Params, name: string, updates?: Updates): tf.Tensor2D {
  const w = sn(p, `${name}.w`, updates) as tf.Tensor2D;
  const y = tf.matMul<tf.Tensor2D>(x, w);
  const b = p[`${name}.b`];
  return b === undefined ? y : tf.add<tf.Tensor2D>(y, b);
}

/**
 * (x − μ)/√(σ² + ε) with μ, σ² the batch mean and biased variance over every axis but the
 * last (N, H, W for NHWC): training-mode batch norm, no affine, no running statistics.
 */
export function batchNorm(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
}

/** Nearest-neighbour ×2 upsampling: y[n, i, j, c] = x[n, ⌊i/2⌋, ⌊j/2⌋, c]. */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]);
}

/** 2×2 average pooling, stride 2 (BigGAN D's downsampling). */
export function avgPool2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, "valid");
}

/** Σ over H and W: [N, H, W, C] → [N, C] (BigGAN D's global sum pooling). */
export function sumSpatial(x: tf.Tensor4D): tf.Tensor2D {
  return tf.sum(x, [1, 2]);
}
