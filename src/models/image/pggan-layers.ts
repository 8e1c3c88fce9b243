// PGGAN's layers (Karras et al., "Progressive growing of GANs for improved quality, stability,
// and variation", ICLR 2018, §4 and Appendix A) over evogan's named parameters (params.ts):
//
//   Equalized learning rate (§4.1). A weight is stored as ŵ ~ N(0, 1) and used as w = ŵ·c with
//   He's constant c = g/√(fan_in), fan_in = kh·kw·C_in for a conv and n_in for a dense layer,
//   gain g = √2 before a LeakyReLU and 1 for a linear output (toRGB, D's logit). Biases start at
//   zero and are not scaled. Adam normalises each parameter's step by its own gradient scale, so
//   with c outside the stored weight every layer learns at the same speed whatever its fan-in.
//   c multiplies the (small) weight tensor, not the activations.
//
//   Pixelwise feature normalization (§4.2), over the channels c of each pixel (NHWC: the last axis)
//     b_xy = a_xy / √( (1/C)·Σ_c (a_xy^c)² + ε ),   ε = 10⁻⁸.
//
//   Minibatch standard deviation (§3). Within a group of G samples, for every feature (h, w, c)
//     σ_hwc = √( (1/G)·Σ_i (x_i,hwc − μ_hwc)² + 10⁻⁸ )   (μ the group mean; biased variance)
//   then s = mean_hwc σ_hwc, one scalar per group, appended to every sample of the group as one
//   constant feature map: [N, H, W, C] → [N, H, W, C + 1]. The paper's text uses the whole
//   minibatch; its code (minibatch_stddev_layer, group_size = 4) uses groups of 4, samples i and j
//   in one group when i ≡ j (mod N/G). Here G = 4 as in that code, lowered to the largest divisor
//   of N not above 4 when N is not a multiple of 4 (E-GAN's D batches are split between
//   survivors, e.g. 21 fakes each): the paper's code would refuse such a batch.
//
//   Fade-in (§2, Figure 2): while a new stage grows in, its output b is blended with the previous
//   stage's a as (1 − α)·a + α·b, α rising from 0 to 1 (growth-schedule.ts).
//
// Resampling is nearest-neighbour ×2 up and 2×2 average pooling down, as in the paper. Both are
// tape nodes whose gradients are each other (times 4 and ¼), so they are differentiable to any
// order: the WGAN-GP gradient penalty (src/losses/gradient-penalty.ts) differentiates D's input
// gradient again, and tf.avgPool and tf.image.resizeNearestNeighbor cannot be differentiated
// twice (their gradients run AvgPoolGrad and ResizeNearestNeighborGrad, which have no gradient
// registered: "gradient function not found for AvgPoolGrad"). layers.ts's avgPool2x and
// upsample2x manage exactly twice. LeakyReLU (lrelu) is likewise a node of its own, whose
// gradient dy·step(x, 0.2) has a gradient. Every other op here is plain tfjs with registered
// gradients, so the whole of PGGAN's D can be differentiated twice.
import * as tf from "@tensorflow/tfjs";
import { add } from "./layers.ts";
import type { ParamInit, Params } from "./params.ts";

/** He's gain before a LeakyReLU (the paper's √2, used for every hidden layer). */
export const HE_GAIN = Math.SQRT2;
/** The paper's LeakyReLU slope, in G and D. */
export const LEAKY_SLOPE = 0.2;
/** ε of the pixelwise feature normalization (the paper's 10⁻⁸). */
export const PIXEL_NORM_EPS = 1e-8;
/** Samples per minibatch-stddev group in the paper's code. */
export const MBSTD_GROUP = 4;

/** The run-time scale c = gain/√(fan_in) of an equalized weight. */
export function heScale(fanIn: number, gain = HE_GAIN): number {
  return gain / Math.sqrt(fanIn);
}

/** Conv layer `name` with an equalized learning rate: `${name}.w` [k, k, cin, cout] ~ N(0, 1), `${name}.b` [cout] zeros. */
export function initEqConv(init: ParamInit, name: string, k: number, cin: number, cout: number): void {
  init.normal(`${name}.w`, [k, k, cin, cout], 1);
  init.zeros(`${name}.b`, [cout]);
}

/** Dense layer `name` with an equalized learning rate: `${name}.w` [nin, nout] ~ N(0, 1), `${name}.b` [nout] zeros. */
export function initEqDense(init: ParamInit, name: string, nin: number, nout: number): void {
  init.normal(`${name}.w`, [nin, nout], 1);
  init.zeros(`${name}.b`, [nout]);
}

/** y = conv2d(x, ŵ·c, stride 1, 'same') + b, c = gain/√(kh·kw·cin). */
export function eqConv(x: tf.Tensor4D, p: Params, name: string, gain = HE_GAIN): tf.Tensor4D {
  const stored = p[`${name}.w`] as tf.Tensor4D;
  const [kh, kw, cin] = stored.shape;
  const w = tf.mul(stored, heScale(kh * kw * cin, gain)) as tf.Tensor4D;
  const b = p[`${name}.b`];
  if (!tf.engine().isTapeOn()) return tf.fused.conv2d({ x, filter: w, strides: 1, pad: "same", bias: b });
  return add(tf.conv2d(x, w, 1, "same"), b);
}

/** y = x·(ŵ·c) + b, c = gain/√nin. */
export function eqDense(x: tf.Tensor2D, p: Params, name: string, gain = HE_GAIN): tf.Tensor2D {
  const stored = p[`${name}.w`] as tf.Tensor2D;
  const w = tf.mul(stored, heScale(stored.shape[0], gain)) as tf.Tensor2D;
  return add(tf.matMul(x, w), p[`${name}.b`]);
}

/**
 * LeakyReLU with the paper's slope 0.2. On the tape a node of its own whose gradient is
 * dy·step(x, 0.2) (Step's gradient is zero): twice differentiable whichever LeakyRelu gradient
 * is registered (tfjs-core's, under EVOGAN_LEAKY_RELU_GRAD=tfjs, runs Greater, which has none).
 */
export function lrelu<T extends tf.Tensor>(x: T): T {
  return (tf.engine().isTapeOn() ? lreluNode(x) : tf.leakyRelu(x, LEAKY_SLOPE)) as T;
}
const lreluNode = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  (inputs[1] as tf.GradSaveFunc)([x]);
  return { value: tf.leakyRelu(x, LEAKY_SLOPE), gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.mul(dy, tf.step(xs, LEAKY_SLOPE)) };
});

/** b = a / √(mean_c a² + ε) over the last axis (a pixel's channels, or a latent vector's entries). */
export function pixelNorm<T extends tf.Tensor>(x: T, eps = PIXEL_NORM_EPS): T {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)));
}

/** The group size used for a batch of n: 4, or the largest divisor of n below it. */
export function mbstdGroupSize(n: number, groupSize = MBSTD_GROUP): number {
  let g = Math.min(groupSize, n);
  while (n % g !== 0) g--;
  return g;
}

/**
 * Minibatch standard deviation: x [N, H, W, C] → [N, H, W, C + 1], the last channel sample i's
 * group's mean feature std (groups of mbstdGroupSize(N), i and j together when i ≡ j mod N/G).
 */
export function minibatchStddev(x: tf.Tensor4D, groupSize = MBSTD_GROUP, eps = 1e-8): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = mbstdGroupSize(n, groupSize);
  const m = n / g;
  // Row i of [G, M·H·W·C] holds samples i·M … i·M + M − 1, so column block j is group j.
  const y = tf.reshape(x, [g, m * h * w * c]);
  const d = tf.sub(y, tf.mean(y, 0, true));
  const sigma = tf.sqrt(tf.add(tf.mean(tf.square(d), 0), eps)); // [M·H·W·C]
  const s = tf.mean(tf.reshape(sigma, [m, h * w * c]), 1); // [M]
  // s broadcast to every pixel of its group's samples by a product with ones: tf.broadcastTo runs
  // Tile, whose gradient is one Slice and one Add per copy (G·H·W of them).
  const map = tf.reshape(tf.mul(tf.reshape(s, [1, m, 1]), tf.ones([g, m, h * w])), [n, h, w, 1]) as tf.Tensor4D;
  return tf.concat([x, map], 3);
}

/** The fade-in blend (1 − α)·a + α·b; exactly a at α = 0 and b at α = 1 (for finite a, b). */
export function fadeIn<T extends tf.Tensor>(a: T, b: T, alpha: number): T {
  return tf.add(tf.mul(a, 1 - alpha), tf.mul(b, alpha));
}

/**
 * Real images as D should see them during a fade (Karras et al.'s code blends them as G's images
 * are blended): at stage s of S with k = S − 1 − s halvings from full size, the full-size image
 *   (1 − α)·U^(k+1) P^(k+1) x + α·U^k P^k x
 * (P a 2×2 average, U nearest ×2), which D's own k halvings (P U = identity) turn into
 * (1 − α)·U P x_s + α·x_s at the stage's resolution: the previous stage's coarser image blended
 * with the new one, as in G's output, so the blend alone does not tell D which images are fake.
 * x itself outside a fade (stage 0, or α = 1).
 */
export function fadeReals(x: tf.Tensor4D, stage: number, stages: number, alpha: number): tf.Tensor4D {
  if (stage === 0 || alpha >= 1) return x;
  const k = stages - 1 - stage;
  return fadeIn(rescale(rescale(x, -(k + 1)), k + 1), rescale(rescale(x, -k), k), alpha);
}

/**
 * Nearest-neighbour ×2 upsampling, y[n, i, j, c] = x[n, ⌊i/2⌋, ⌊j/2⌋, c]. On the tape a node
 * whose gradient, the sum over each 2×2 block, is 4·avgPool2x(dy): itself a node, so the
 * gradient has a gradient.
 */
export function up2x(x: tf.Tensor4D): tf.Tensor4D {
  return (tf.engine().isTapeOn() ? upNode(x) : nearest2x(x)) as tf.Tensor4D;
}
const nearest2x = (x: tf.Tensor): tf.Tensor4D => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [2 * x.shape[1]!, 2 * x.shape[2]!]);
const upNode = tf.customGrad((...inputs) => ({
  value: nearest2x(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.mul(pool2x(dy as tf.Tensor4D), 4),
}));

/** 2×2 average pooling, stride 2 (H, W even). On the tape a node whose gradient is up2x(dy)/4. */
export function pool2x(x: tf.Tensor4D): tf.Tensor4D {
  return (tf.engine().isTapeOn() ? poolNode(x) : tf.avgPool(x, 2, 2, "valid")) as tf.Tensor4D;
}
const poolNode = tf.customGrad((...inputs) => ({
  value: tf.avgPool(inputs[0] as tf.Tensor4D, 2, 2, "valid"),
  gradFunc: (dy: tf.Tensor) => tf.mul(up2x(dy as tf.Tensor4D), 0.25),
}));

/** x upsampled (times > 0) or pooled (times < 0) by 2^|times|. */
export function rescale(x: tf.Tensor4D, times: number): tf.Tensor4D {
  let y = x;
  for (let i = 0; i < Math.abs(times); i++) y = times > 0 ? up2x(y) : pool2x(y);
  return y;
}

/**
 * y itself, with a zero gradient for each of `unused`: lets tf.grads differentiate with respect
 * to parameters a forward pass does not read (a stage not grown yet), which it otherwise refuses.
 * Off the tape, y.
 */
export function withZeroGradients<T extends tf.Tensor>(y: T, unused: readonly tf.Tensor[]): T {
  if (unused.length === 0 || !tf.engine().isTapeOn()) return y;
  return tf.customGrad((...inputs) => {
    const n = unused.length;
    const xs = inputs.slice(0, n + 1) as tf.Tensor[];
    return {
      value: tf.clone(xs[0]),
      gradFunc: (dy: tf.Tensor) => [tf.reshape(dy, dy.shape), ...xs.slice(1).map((u) => tf.zerosLike(u))],
    };
  })(y, ...unused) as T;
}
