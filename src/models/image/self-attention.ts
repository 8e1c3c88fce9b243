// Self-attention block of SAGAN / BigGAN (Zhang et al. 2019), laid out as BigGAN-PyTorch's
// `Attention` but in NHWC.
//
// For x [N, H, W, C] and 1×1 bias-free convs θ, φ (C → C/8), g (C → C/2), o (C/2 → C):
//   θ = θ(x)                      [N, HW, C/8]     (full resolution)
//   φ = maxpool2×2(φ(x))          [N, HW/4, C/8]
//   g = maxpool2×2(g(x))          [N, HW/4, C/2]
//   β = softmax_j(θ φᵀ)           [N, HW, HW/4]    β[i, j] = attention of position i on pooled j
//   y = x + γ·o(β g)              (β g reshaped to [N, H, W, C/2])
// γ [1] starts at 0, so the block is the identity at initialisation. H and W must be even.
import * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";
import { add, initWeight } from "./layers.ts";
import { sn } from "./spectral-norm.ts";

/** Declares `${name}.theta|phi|g|o` (1×1 convs, orthogonal, no bias) and `${name}.gamma` = [0]. */
export function initSelfAttention(init: ParamInit, name: string, channels: number, opts: { sn?: boolean } = {}): void {
  if (channels % 8 !== 0) throw new Error(`self-attention ${name}: channels (${channels}) must be a multiple of 8`);
  const w = { sn: opts.sn ?? false, init: "orthogonal" as const };
  initWeight(init, `${name}.theta`, [1, 1, channels, channels / 8], w);
  initWeight(init, `${name}.phi`, [1, 1, channels, channels / 8], w);
  initWeight(init, `${name}.g`, [1, 1, channels, channels / 2], w);
  initWeight(init, `${name}.o`, [1, 1, channels / 2, channels], w);
  init.zeros(`${name}.gamma`, [1]);
}

/**
 * x + γ·o(β g), see the header. θ, φ and g are 1×1 convs of the same x, so they run as one conv
 * with their filters side by side, and φ and g are max-pooled together (pooling acts per channel).
 */
export function selfAttention(x: tf.Tensor4D, p: Params, name: string, updates?: Updates): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [c8, c2] = [c / 8, c / 2];
  const filters = tf.concat(["theta", "phi", "g"].map((k) => sn(p, `${name}.${k}`, updates)), 3) as tf.Tensor4D;
  const [thetaX, phiGX] = tf.split(tf.conv2d(x, filters, 1, "valid"), [c8, c8 + c2], 3);
  const [phiX, gX] = tf.split(tf.maxPool(phiGX as tf.Tensor4D, 2, 2, "valid"), [c8, c2], 3);
  const theta = tf.reshape(thetaX, [n, h * w, c8]);
  const phi = tf.reshape(phiX, [n, (h * w) / 4, c8]);
  const g = tf.reshape(gX, [n, (h * w) / 4, c2]);
  const beta = tf.softmax(tf.matMul(theta, phi, false, true)); // [N, HW, HW/4], softmax over pooled j
  const attended = tf.reshape(tf.matMul(beta, g), [n, h, w, c2]) as tf.Tensor4D;
  const o = tf.conv2d(attended, sn(p, `${name}.o`, updates) as tf.Tensor4D, 1, "valid");
  return add(x, tf.mul(p[`${name}.gamma`], o));
}
