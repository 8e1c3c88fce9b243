// Projection discriminator head (Miyato & Koyama 2018), as BigGAN's D uses after sum-pooling:
//   logit_n = h_n·w + b + Σ_k E[y_n, k]·h_n,k
// with the linear `${name}.linear` (features → 1, with bias) and the class embedding
// `${name}.embed` [numClasses, features]; both spectrally normalised when their `.u` exist
// (BigGAN-PyTorch's SNLinear / SNEmbedding). An unconditional head (numClasses 0) has no
// embedding and ignores y.
import * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";
import { initDense, initWeight, linear } from "./layers.ts";
import { sn } from "./spectral-norm.ts";

/** Declares `${name}.linear.w` [features, 1], `${name}.linear.b` [1] and, if numClasses > 0, `${name}.embed`. */
export function initProjectionHead(
  init: ParamInit,
  name: string,
  features: number,
  numClasses: number,
  opts: { sn?: boolean } = {},
): void {
  const sn = opts.sn ?? false;
  initDense(init, `${name}.linear`, features, 1, { sn });
  if (numClasses > 0) initWeight(init, `${name}.embed`, [numClasses, features], { sn });
}

/** D's logits [N] from pooled features h [N, features] and (for a conditional head) labels y. */
export function projectionLogits(h: tf.Tensor2D, p: Params, name: string, y?: tf.Tensor1D, updates?: Updates): tf.Tensor1D {
  const out = tf.reshape(linear(h, p, `${name}.linear`, updates), [-1]) as tf.Tensor1D;
  if (p[`${name}.embed`] === undefined) return out;
  if (y === undefined) throw new Error(`projection head ${name} is class-conditional: labels are required`);
  const table = sn(p, `${name}.embed`, updates) as tf.Tensor2D;
  // E[y] as oneHot(y)·E (tf.gather has no gradient kernel on wasm).
  const e = tf.matMul(tf.cast(tf.oneHot(tf.cast(y, "int32"), table.shape[0]), "float32") as tf.Tensor2D, table);
  return tf.add(out, tf.sum(tf.mul(e, h), 1));
}
