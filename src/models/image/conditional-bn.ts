// Class-conditional batch norm and the shared class embedding (BigGAN, Brock et al. 2019).
//
//   CBN(x, c) = BN(x)·(1 + c·W_γ) + c·W_β      per sample n and channel k:
//             = BN(x)[n,…,k]·(1 + Σ_j c[n,j] W_γ[j,k]) + Σ_j c[n,j] W_β[j,k]
// BN without affine (batch statistics); W_γ, W_β are bias-free linears [cdim, channels],
// spectrally normalised when their `.u` buffers exist. The "+1" is BigGAN-PyTorch's; compare_gan
// omits it. c is the conditioning vector (shared embedding joined with a chunk of z).
//
// Init: orthogonal by default, as BigGAN-PyTorch's G_init='ortho' does for these linears (so the
// gains start near 1 + O(‖c‖) per channel, spread evenly); `init: "normal"` is there for the
// small-normal variant. The shared embedding itself is a plain [numClasses, dim] tensor, never
// spectrally normalised.
import * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";
import { batchNormAffine, initWeight, type WeightOptions } from "./layers.ts";
import { sn } from "./spectral-norm.ts";

/** Declares `${name}.gain` and `${name}.bias`, both [cdim, channels] (plus `.u` when sn). */
export function initConditionalBn(
  init: ParamInit,
  name: string,
  cdim: number,
  channels: number,
  opts: Omit<WeightOptions, "bias"> = {},
): void {
  initWeight(init, `${name}.gain`, [cdim, channels], opts);
  initWeight(init, `${name}.bias`, [cdim, channels], opts);
}

/**
 * BN(x)·(1 + c·W_γ) + c·W_β for x NHWC [N,H,W,C] or [N,C], c [N, cdim]; with `relu`, max(·, 0)
 * of that. The per-sample gains and biases are two [N, C] products; BN, the affine and the ReLU
 * are one tape node (layers.ts batchNormAffine).
 */
export function conditionalBatchNorm(x: tf.Tensor, c: tf.Tensor2D, p: Params, name: string, updates?: Updates, opts: { relu?: boolean } = {}): tf.Tensor {
  const gain = tf.matMul(c, sn(p, `${name}.gain`, updates) as tf.Tensor2D); // c·W_γ, used as 1 + c·W_γ
  const bias = tf.matMul(c, sn(p, `${name}.bias`, updates) as tf.Tensor2D);
  return batchNormAffine(x, gain, bias, { onePlusGamma: true, relu: opts.relu });
}

/**
 * Rows y of the embedding table `${name}` [numClasses, dim] → [N, dim]. Written as
 * oneHot(y)·E rather than tf.gather: gather's gradient needs the UnsortedSegmentSum kernel,
 * which the wasm backend lacks.
 */
export function embed(p: Params, name: string, y: tf.Tensor1D): tf.Tensor2D {
  const table = p[name] as tf.Tensor2D | undefined;
  if (table === undefined) throw new Error(`missing parameter ${name}`);
  const oneHot = tf.cast(tf.oneHot(tf.cast(y, "int32"), table.shape[0]), "float32") as tf.Tensor2D;
  return tf.matMul(oneHot, table);
}

/** Declares the embedding table `${name}` [numClasses, dim] (orthogonal by default, as BigGAN-PyTorch). */
export function initEmbedding(init: ParamInit, name: string, numClasses: number, dim: number, opts: Omit<WeightOptions, "bias"> = {}): void {
  initWeight(init, name, [numClasses, dim], opts);
}
