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

/**
 * y = conv2d(x, sn(w), stride, 'same') + b. Off the tape, one fused conv + bias kernel; on it,
 * tf.conv2d (its gradients are taken lazily, only for the inputs that need them) plus `add` (which saves nothing).
 */
export function conv(x: tf.Tensor4D, p: Params, name: string, updates?: Updates, stride = 1): tf.Tensor4D {
  const w = sn(p, `${name}.w`, updates) as tf.Tensor4D;
  const b = p[`${name}.b`];
  if (b !== undefined && !tf.engine().isTapeOn()) return tf.fused.conv2d({ x, filter: w, strides: stride, pad: "same", bias: b });
  const y = tf.conv2d(x, w, stride, "same");
  return b === undefined ? y : add(y, b);
}

/** y = x·sn(w) + b. */
export function linear(x: tf.Tensor2D, p: Params, name: string, updates?: Updates): tf.Tensor2D {
  const w = sn(p, `${name}.w`, updates) as tf.Tensor2D;
  const y = tf.matMul<tf.Tensor2D>(x, w);
  const b = p[`${name}.b`];
  return b === undefined ? y : add(y, b);
}

/**
 * y = x·w + b with w = g·v/‖v‖, the norm over each output unit's input weights (weight
 * normalization, Salimans & Kingma 2016): `${name}.v` [in, out], `${name}.g` and `${name}.b` [out].
 */
export function weightNormLinear(x: tf.Tensor2D, p: Params, name: string): tf.Tensor2D {
  const v = p[`${name}.v`];
  const w = tf.mul(v, tf.div(p[`${name}.g`], tf.sqrt(tf.sum(tf.square(v), 0)))) as tf.Tensor2D;
  return tf.add(tf.matMul(x, w), p[`${name}.b`]);
}

/**
 * x + b for b of x's shape (a residual sum) or b [C] over x [..., C] (a bias). tf.add saves both
 * operands for its gradient (a copy of each) though it needs only their shapes: on the tape this
 * is one node that saves nothing, ∂/∂x = dy, ∂/∂b = dy or Σ dy over every axis but the last.
 */
export function add<T extends tf.Tensor>(x: T, b: tf.Tensor): T {
  return (tf.engine().isTapeOn() ? addSavingNothing(x, b) : tf.add(x, b)) as T;
}
const addSavingNothing = tf.customGrad((...inputs) => {
  const [x, b] = inputs as [tf.Tensor, tf.Tensor];
  const xShape = x.shape;
  const bShape = b.shape;
  return {
    value: tf.add(x, b),
    gradFunc: (dy: tf.Tensor) => [
      tf.reshape(dy, xShape),
      bShape.length === dy.rank ? tf.reshape(dy, bShape) : tf.reshape(tf.sum(dy, leadingAxes(dy)), bShape),
    ],
  };
});

/**
 * max(x, 0), whose gradient dy·[y > 0] reads the saved output: tf.relu saves its input and casts
 * it again in the backward pass. Off the tape it is tf.relu itself.
 */
export function relu<T extends tf.Tensor>(x: T): T {
  return (tf.engine().isTapeOn() ? reluSavingOutput(x) : tf.relu(x)) as T;
}
const reluSavingOutput = tf.customGrad((...inputs) => {
  const save = inputs[1] as tf.GradSaveFunc;
  const y = tf.relu(inputs[0] as tf.Tensor);
  save([y]);
  return { value: y, gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) => tf.mul(dy, tf.step(ys)) };
});

/** Every axis but the last: the batch (and spatial) axes a channel's statistics run over. */
const leadingAxes = (x: tf.Tensor): number[] => x.shape.slice(0, -1).map((_, i) => i);

export interface BatchNormOptions {
  /** Scale by 1 + γ instead of γ (BigGAN's conditional gains). Default false. */
  readonly onePlusGamma?: boolean;
  /** Apply max(·, 0) to the result. Default false. */
  readonly relu?: boolean;
  readonly eps?: number;
}

/**
 * [ReLU](BN(x)·γ + β): training-mode batch norm (batch mean μ and biased variance σ² over every
 * axis but the last), then a per-channel affine with γ, β [C], or a per-sample one with γ, β
 * [N, C] (conditional BN: each sample's gains broadcast over H and W).
 *
 * One tape node with the hand-derived gradient, so autodiff neither saves nor walks back through
 * the dozen small ops; and few passes over x, since on wasm an op that broadcasts a [C] or
 * [N, 1, 1, C] operand over x costs several plain ones. With d = x − μ, ρ = 1/√(mean(d²) + ε):
 *   z = d·s + β,  s = ρ·γ     (= x̂·γ + β with x̂ = d·ρ: BN's scale folded into the affine)
 * Gradient, with M the number of values per channel, dz = dy·[z > 0] (with ReLU, else dy), Σ_B
 * the sum over the axes β broadcasts on (H, W per sample; N, H, W when shared) and Σ_n the sum
 * over samples of a per-sample γ (nothing for a shared one):
 *   ∂/∂β = Σ_B dz        ∂/∂γ = Σ_B dz·x̂ = ρ·Σ_B dz·d
 *   ∂/∂x = ρ·(dz·γ − m₁ − x̂·m₂) = dz·s − (d·ρ²m₂ + ρm₁)
 *     with m₁ = mean(dz·γ) = Σ_n γ·(∂/∂β) / M  and  m₂ = mean(dz·γ·x̂) = Σ_n γ·(∂/∂γ) / M.
 * The variance takes a second pass (over d) rather than mean(x²) − μ², and everything downstream
 * works from d rather than x: no cancellation when |μ| ≫ σ. Saved: d, s, ρ, γ and, with ReLU,
 * the output.
 */
export function batchNormAffine(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, opts: BatchNormOptions = {}): tf.Tensor {
  const { onePlusGamma = false, relu: withRelu = false, eps = 1e-5 } = opts;
  const channels = x.shape[x.rank - 1];
  const axes = leadingAxes(x);
  const m = x.size / channels;
  const perSample = gamma.rank === 2;
  // γ and β as they broadcast against x, and the axes a per-γ gradient sums over.
  const gShape = perSample ? [x.shape[0], ...x.shape.slice(1, -1).map(() => 1), channels] : [channels];
  const gAxes = perSample ? axes.slice(1) : axes;
  const asX = (t: tf.Tensor) => (t.rank === gShape.length ? t : tf.reshape(t, gShape));
  const sumG = (t: tf.Tensor) => (gAxes.length > 0 ? tf.sum(t, gAxes) : t);
  const sumN = (t: tf.Tensor) => (perSample ? tf.sum(t, 0) : t);
  return tf.customGrad((...inputs) => {
    const [xs, gs, bs] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
    const save = inputs[3] as tf.GradSaveFunc;
    const d = tf.sub(xs, tf.mean(xs, axes));
    const rho = tf.rsqrt(tf.add(tf.mean(tf.square(d), axes), eps));
    const g = onePlusGamma ? tf.add(gs, 1) : gs;
    const scale = tf.mul(g, rho); // s, γ's shape
    const z = tf.add(tf.mul(d, asX(scale)), asX(bs));
    const y = withRelu ? tf.relu(z) : z;
    save(withRelu ? [d, scale, rho, g, y] : [d, scale, rho, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dv, sv, r, gv, yv] = saved;
        const dz = withRelu ? tf.mul(dy, tf.step(yv)) : dy;
        const dBeta = sumG(dz);
        const dGamma = tf.mul(sumG(tf.mul(dz, dv)), r);
        const rm = tf.div(r, m);
        const a = tf.mul(tf.mul(sumN(tf.mul(gv, dGamma)), rm), r); // ρ²·m₂
        const c = tf.mul(sumN(tf.mul(gv, dBeta)), rm); // ρ·m₁
        const dx = tf.sub(tf.mul(dz, asX(sv)), tf.add(tf.mul(dv, a), c));
        return [dx, dGamma, dBeta];
      },
    };
  })(x, gamma, beta);
}

/**
 * (x − μ)/√(σ² + ε) with μ, σ² the batch mean and biased variance over every axis but the
 * last (N, H, W for NHWC): training-mode batch norm, no affine, no running statistics.
 */
export function batchNorm(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const axes = leadingAxes(x);
  const mean = tf.mean(x, axes);
  const d = tf.sub(x, mean);
  return tf.mul(d, tf.rsqrt(tf.add(tf.mean(tf.square(d), axes), eps)));
}

/**
 * Nearest-neighbour ×2 upsampling: y[n, i, j, c] = x[n, ⌊i/2⌋, ⌊j/2⌋, c]. On the tape its
 * gradient, the sum over each 2×2 block, is 4·avgPool(dy) (tfjs's own saves x and loops in JS).
 */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return (tf.engine().isTapeOn() ? upsampleNode(x) : upsample(x)) as tf.Tensor4D;
}
const upsample = (x: tf.Tensor): tf.Tensor4D => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [2 * x.shape[1]!, 2 * x.shape[2]!]);
const upsampleNode = tf.customGrad((...inputs) => ({
  value: upsample(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, "valid"), 4),
}));

/**
 * 2×2 average pooling, stride 2 (BigGAN D's downsampling); H and W even. On the tape its
 * gradient is upsample2x(dy)/4 (tfjs's own saves x and loops in JS).
 */
export function avgPool2x(x: tf.Tensor4D): tf.Tensor4D {
  return (tf.engine().isTapeOn() ? avgPoolNode(x) : tf.avgPool(x, 2, 2, "valid")) as tf.Tensor4D;
}
const avgPoolNode = tf.customGrad((...inputs) => ({
  value: tf.avgPool(inputs[0] as tf.Tensor4D, 2, 2, "valid"),
  gradFunc: (dy: tf.Tensor) => tf.mul(upsample(dy), 0.25),
}));

/**
 * Σ over H and W: [N, H, W, C] → [N, C] (BigGAN D's global sum pooling); with `relu`, of
 * max(x, 0). On the tape one node whose gradient broadcasts dy back (times [x > 0]), without
 * the full-size tensor of ones tf.sum's gradient builds.
 */
export function sumSpatial(x: tf.Tensor4D, opts: { relu?: boolean } = {}): tf.Tensor2D {
  const withRelu = opts.relu ?? false;
  if (!tf.engine().isTapeOn()) return tf.sum(withRelu ? tf.relu(x) : x, [1, 2]);
  const [n, , , c] = x.shape;
  return tf.customGrad((...inputs) => {
    const save = inputs[1] as tf.GradSaveFunc;
    const y = withRelu ? tf.relu(inputs[0] as tf.Tensor) : (inputs[0] as tf.Tensor);
    if (withRelu) save([y]);
    return {
      value: tf.sum(y, [1, 2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const d = tf.reshape(dy, [n, 1, 1, c]);
        return withRelu ? tf.mul(d, tf.step(saved[0])) : tf.broadcastTo(d, x.shape);
      },
    };
  })(x) as tf.Tensor2D;
}
