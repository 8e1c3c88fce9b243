// Spectral normalisation (Miyato et al. 2018), one power iteration per forward pass, as
// BigGAN-PyTorch's SN layers do in training mode.
//
// A weight w [..., cout] is viewed as the matrix W = reshape(w, [−1, cout])ᵀ of shape [cout, K]
// (PyTorch's weight.view(out, −1)). With the persistent vector u ∈ ℝ^cout:
//   v  = normalize(Wᵀu)        ∈ ℝ^K
//   u' = normalize(W v)        ∈ ℝ^cout
//   σ  = u'ᵀ W v               (≈ the largest singular value of W)
//   w_SN = w / σ
// u' and v are held constant (stop-gradient), so ∂σ/∂W = u'vᵀ and the gradient reaches w only
// through W in σ and in w/σ. u' is written back as the new u: across steps the power iteration
// converges because W changes slowly.
//
// Ownership of the new u: `sn` writes u' into `updates` but does not tf.keep it, so it lives
// only as long as the scope that made it. A trainer that wants to commit the u vectors keeps
// them itself (e.g. `keepUpdates(updates)` at the end of the function given to tf.grads or
// tf.tidy), then commits them with `withUpdates` and disposes the replaced ones.
import * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";

/** normalize(x) = x / max(‖x‖, ε), as torch.nn.functional.normalize with ε = 1e-12. */
const NORM_EPS = 1e-12;

const zeroGradIdentity = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** The identity whose gradient is zero: a constant for autodiff. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return zeroGradIdentity(x) as T;
}

function normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.maximum(tf.norm(x), NORM_EPS));
}

/** One power iteration on w viewed as [cout, K]: w/σ (w's shape), the new u [cout], and σ. */
export function spectralNormalize(w: tf.Tensor, u: tf.Tensor): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Scalar } {
  const cout = w.shape[w.shape.length - 1];
  const wt = tf.reshape(w, [-1, cout]); // Wᵀ [K, cout]
  const wConst = stopGradient(wt);
  const v = normalize(tf.matMul(wConst, tf.reshape(u, [cout, 1]))); // Wᵀu → [K, 1]
  const wv = tf.matMul(wt, v, true, false); // W v [cout, 1], differentiable in W
  const uNew = stopGradient(normalize(wv)); // u' = normalize(W v), a constant
  const sigma = tf.sum(tf.mul(uNew, wv)) as tf.Scalar; // u'ᵀ W v
  return { w: tf.div(w, sigma), u: tf.reshape(uNew, [cout]), sigma };
}

/**
 * The weight `name` of p, spectrally normalised when p has the buffer `${name}.u` (then the new
 * u is written to `updates` under `${name}.u`, not kept: see the header); else p[name] itself.
 */
export function sn(p: Params, name: string, updates?: Updates): tf.Tensor {
  const w = p[name];
  if (w === undefined) throw new Error(`missing parameter ${name}`);
  const u = p[`${name}.u`];
  if (u === undefined) return w;
  const r = spectralNormalize(w, u);
  updates?.set(`${name}.u`, r.u);
  return r.w;
}

/** tf.keep every tensor of `updates`, so they survive the enclosing tidy / tf.grads. */
export function keepUpdates(updates: Updates): void {
  for (const t of updates.values()) tf.keep(t);
}

/** Declares `${name}.u`, the power-iteration vector of weight `name`: a random unit vector [cout]. */
export function initSpectralU(init: ParamInit, name: string, cout: number): void {
  const u = init.rng.normalArray(cout);
  let ss = 0;
  for (const x of u) ss += x * x;
  const norm = Math.sqrt(ss) || 1;
  for (let i = 0; i < cout; i++) u[i] /= norm;
  init.add(`${name}.u`, [cout], u);
}
