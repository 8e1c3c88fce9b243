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
// How it is computed (few kernels, because small ops dominate BigGAN's step on wasm). The power
// iteration is a constant for autodiff, and w/σ has the hand-written gradient (u', v, σ fixed)
//       ∂L/∂w = (G − ⟨G, w/σ⟩·v u'ᵀ) / σ       (G = ∂L/∂(w/σ), v u'ᵀ laid out like w)
// so autodiff neither saves nor walks back through the iteration. With r = 1/max(‖Wv‖, ε):
// u' = r·Wv and σ = u'ᵀWv = r·‖Wv‖².
//   - On wasm and cpu (tensors in host memory) all of it runs in JS, in float64, on the values of
//     w and u: two matrix-vector products and a scaling over at most a few thousand entries cost
//     less than launching the dozen tiny kernels they replace. w/σ is then a new tensor (one
//     customGrad node on the tape, whose gradient is computed the same way), so spectral norm
//     launches no kernel at all.
//   - On other backends (accelerators, where reading a weight back would stall the device) the
//     iteration runs as tensor ops inside a tf.customGrad's forward (which tfjs does not record),
//     and w/σ is one division, on the tape one node with the gradient above.
//   - Within one tape (or outside any tape), the same (w, u) is normalised once: a second call
//     — D's real and fake passes in one step, the E-GAN fitness passes — reuses the first call's
//     w/σ and u' (identical values; autodiff sums both uses' gradients into the one node).
//     Results made outside a tape are not reused inside one, so a gradient is never lost.
//
// Ownership of the new u: `sn` writes u' into `updates` but does not tf.keep it, so it lives
// only as long as the scope that made it. A trainer that wants to commit the u vectors keeps
// them itself (e.g. `keepUpdates(updates)` at the end of the function given to tf.grads or
// tf.tidy), then commits them with `withUpdates` and disposes the replaced ones.
import * as tf from "@tensorflow/tfjs";
import type { ParamInit, Params, Updates } from "./params.ts";

/** normalize(x) = x / max(‖x‖, ε), as torch.nn.functional.normalize with ε = 1e-12. */
const NORM_EPS = 1e-12;
/** 1/max(‖x‖, ε) = rsqrt(max(‖x‖², ε²)). */
const NORM_EPS2 = NORM_EPS * NORM_EPS;

const zeroGradIdentity = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** The identity whose gradient is zero: a constant for autodiff. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return zeroGradIdentity(x) as T;
}

/** Where spectral norm runs: "host" (JS on the values) or "tensor" (tensor ops); see the header. */
export type PowerIterationSite = "host" | "tensor";
const HOST_BACKENDS = new Set(["wasm", "cpu"]);
const defaultSite = (): PowerIterationSite => (HOST_BACKENDS.has(tf.getBackend()) ? "host" : "tensor");

/** One power iteration on w viewed as [cout, K], in JS (float64) on w's and u's values. */
function spectralNormalizeOnHost(w: tf.Tensor, u: tf.Tensor): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Scalar } {
  const cout = w.shape[w.shape.length - 1];
  const wt = w.dataSync(); // Wᵀ [K, cout], row-major
  const u0 = u.dataSync();
  const k = wt.length / cout;
  const v = new Float64Array(k); // Wᵀu, then normalised
  let sa = 0;
  for (let i = 0; i < k; i++) {
    let a = 0;
    for (let c = 0; c < cout; c++) a += wt[i * cout + c] * u0[c];
    v[i] = a;
    sa += a * a;
  }
  const na = 1 / Math.max(Math.sqrt(sa), NORM_EPS);
  for (let i = 0; i < k; i++) v[i] *= na;
  const wv = new Float64Array(cout); // W v
  for (let i = 0; i < k; i++) for (let c = 0; c < cout; c++) wv[c] += wt[i * cout + c] * v[i];
  let sb = 0;
  for (let c = 0; c < cout; c++) sb += wv[c] * wv[c];
  const r = 1 / Math.max(Math.sqrt(sb), NORM_EPS);
  const uNew = new Float64Array(cout);
  for (let c = 0; c < cout; c++) uNew[c] = wv[c] * r;
  const sigma = sb * r;
  const scaled = new Float32Array(wt.length); // w/σ
  for (let i = 0; i < wt.length; i++) scaled[i] = wt[i] / sigma;
  const wSn = !tf.engine().isTapeOn()
    ? tf.tensor(scaled, w.shape, "float32")
    : tf.customGrad(() => ({
        value: tf.tensor(scaled, w.shape, "float32"),
        gradFunc: (dy: tf.Tensor) => {
          // (G − ⟨G, w/σ⟩·v u'ᵀ)/σ, also in float64 on the host
          const g = dy.dataSync();
          let dot = 0;
          for (let i = 0; i < g.length; i++) dot += g[i] * scaled[i];
          const dw = new Float32Array(g.length);
          for (let i = 0; i < k; i++) for (let c = 0; c < cout; c++) dw[i * cout + c] = (g[i * cout + c] - dot * v[i] * uNew[c]) / sigma;
          return tf.tensor(dw, w.shape, "float32");
        },
      }))(w);
  return { w: wSn, u: tf.tensor1d(Float32Array.from(uNew), "float32"), sigma: tf.scalar(sigma, "float32") };
}

/**
 * One power iteration on w viewed as [cout, K], as tensor ops: the iteration inside a
 * tf.customGrad's forward (not recorded; its value u' has, were it asked for, a zero gradient),
 * σ and v u'ᵀ leaving it through tf.keep; then w/σ, on the tape one node whose gradient
 * (G − ⟨G, w/σ⟩·v u'ᵀ)/σ reads the saved w/σ, σ and v u'ᵀ.
 */
function spectralNormalizeWithTensors(w: tf.Tensor, u: tf.Tensor): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Scalar } {
  const cout = w.shape[w.shape.length - 1];
  let sigma: tf.Tensor | undefined;
  let vu: tf.Tensor | undefined;
  const uNew = tf.customGrad((...inputs) => {
    const wt = w.rank === 2 ? w : tf.reshape(w, [-1, cout]); // Wᵀ [K, cout]
    const a = tf.matMul(wt, tf.reshape(inputs[0] as tf.Tensor, [cout, 1])); // Wᵀu [K, 1]
    const v = tf.mul(a, tf.rsqrt(tf.maximum(tf.matMul(a, a, true, false), NORM_EPS2))); // [K, 1]
    const wv = tf.matMul(wt, v, true, false); // W v [cout, 1]
    const ss = tf.matMul(wv, wv, true, false); // ‖Wv‖² [1, 1]
    const r = tf.rsqrt(tf.maximum(ss, NORM_EPS2));
    const un = tf.mul(wv, r); // u' [cout, 1]
    sigma = tf.keep(tf.mul(ss, r)); // u'ᵀWv
    const outer = tf.matMul(v, un, false, true); // v u'ᵀ [K, cout]
    vu = tf.keep(w.rank === 2 ? outer : tf.reshape(outer, w.shape));
    return { value: tf.reshape(un, [cout]), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  })(u);
  const s = sigma;
  const m = vu;
  if (s === undefined || m === undefined) throw new Error("spectral norm: the power iteration did not run");
  const wSn = !tf.engine().isTapeOn()
    ? tf.div(w, s)
    : tf.customGrad((...inputs) => {
        const save = inputs[1] as tf.GradSaveFunc;
        const out = tf.div(inputs[0] as tf.Tensor, s);
        save([out, s, m]);
        return {
          value: out,
          gradFunc: (dy: tf.Tensor, [o, ss, mm]: tf.Tensor[]) => tf.div(tf.sub(dy, tf.mul(mm, tf.sum(tf.mul(dy, o)))), ss),
        };
      })(w);
  const sigmaScalar = tf.reshape(s, []) as tf.Scalar;
  tf.dispose([s, m]);
  return { w: wSn, u: uNew, sigma: sigmaScalar };
}

/**
 * One power iteration on w viewed as [cout, K]: w/σ (w's shape), the new u [cout], and σ (a
 * constant). `site` chooses where the iteration runs (default: by backend, see PowerIterationSite).
 */
export function spectralNormalize(w: tf.Tensor, u: tf.Tensor, site: PowerIterationSite = defaultSite()): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Scalar } {
  return site === "host" ? spectralNormalizeOnHost(w, u) : spectralNormalizeWithTensors(w, u);
}

/** The last normalisation of each weight: reused while its tensors live, for the same u and tape. */
interface Normalised {
  readonly u: tf.Tensor;
  readonly tape: object | null;
  readonly w: tf.Tensor;
  readonly uNew: tf.Tensor;
  /** The updates map uNew was written to, if any: another map gets its own copy. */
  owner?: Updates;
}
const lastNormalised = new WeakMap<tf.Tensor, Normalised>();

/** The tape being recorded now (tf.grads in progress), or null. */
function activeTape(): object | null {
  const engine = tf.engine();
  return engine.isTapeOn() ? engine.state.activeTape : null;
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
  const tape = activeTape();
  let r = lastNormalised.get(w);
  if (r === undefined || r.u !== u || r.tape !== tape || r.w.isDisposed || r.uNew.isDisposed) {
    const n = spectralNormalize(w, u);
    n.sigma.dispose();
    r = { u, tape, w: n.w, uNew: n.u };
    lastNormalised.set(w, r);
  }
  if (updates !== undefined) {
    r.owner ??= updates;
    updates.set(`${name}.u`, r.owner === updates ? r.uNew : tf.clone(r.uNew));
  }
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
