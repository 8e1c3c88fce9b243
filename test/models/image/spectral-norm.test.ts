// Spectral norm against a matrix with known singular values, and its gradient against finite
// differences computed in float64 JS.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ParamInit, type Updates } from "../../../src/models/image/params.ts";
import { initSpectralU, sn, spectralNormalize, stopGradient } from "../../../src/models/image/spectral-norm.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat => a.map((r) => b[0].map((_, j) => r.reduce((s, x, k) => s + x * b[k][j], 0)));
const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((r) => r[j]));
const eye = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

/** The n×n Givens rotation by θ in the (i, j) plane. */
function givens(n: number, i: number, j: number, theta: number): Mat {
  const g = eye(n);
  g[i][i] = Math.cos(theta);
  g[j][j] = Math.cos(theta);
  g[i][j] = -Math.sin(theta);
  g[j][i] = Math.sin(theta);
  return g;
}

// M = Q1 · [diag(3, 1.5, 0.5) | 0] · Q2ᵀ  (3×5), Q1, Q2 products of Givens rotations, so the
// singular values of M are exactly 3, 1.5, 0.5 and its top left singular vector is Q1[:, 0].
const Q1 = [givens(3, 0, 1, 0.7), givens(3, 1, 2, -1.1), givens(3, 0, 2, 0.4)].reduce(matmul);
const Q2 = [givens(5, 0, 1, 0.3), givens(5, 1, 3, 1.2), givens(5, 2, 4, -0.8), givens(5, 0, 4, 2.0), givens(5, 3, 4, 0.5)].reduce(matmul);
const S = [
  [3, 0, 0, 0, 0],
  [0, 1.5, 0, 0, 0],
  [0, 0, 0.5, 0, 0],
];
const M = matmul(matmul(Q1, S), transpose(Q2)); // W viewed as [cout = 3, K = 5]
// The weight is stored [kh = 1, kw = 5, cin = 1, cout = 3]: reshape(w, [−1, 3]) = Mᵀ.
const wData = transpose(M).flat();
const wShape = [1, 5, 1, 3];

/** Largest singular value in float64 by power iteration on MᵀM (independent of the code). */
function topSingularValue(m: Mat): number {
  const mtm = matmul(transpose(m), m);
  let x = mtm.map((_, i) => 1 + i);
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const y = mtm.map((r) => r.reduce((s, a, k) => s + a * x[k], 0));
    lambda = Math.hypot(...y);
    x = y.map((a) => a / lambda);
  }
  return Math.sqrt(lambda);
}

describe("spectralNormalize", () => {
  it("the independent float64 check recovers the constructed top singular value 3", () => {
    expect(topSingularValue(M)).toBeCloseTo(3, 10);
  });

  it("σ converges to the largest singular value (3) when u' is fed back, and u' to ±Q1[:, 0]", () => {
    const before = tf.memory().numTensors;
    const w = tf.tensor(wData, wShape);
    let u: tf.Tensor = tf.tensor1d([1, 0, 0]);
    const sigmas: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = tf.tidy(() => {
        const { u: next, sigma } = spectralNormalize(w, u);
        return { next, sigma: sigma.dataSync()[0] };
      });
      u.dispose();
      u = r.next;
      sigmas.push(r.sigma);
    }
    expect(sigmas[0]).toBeLessThan(2.99); // it does start away from 3
    expect(sigmas[39]).toBeCloseTo(3, 4);
    const uf = Array.from(u.dataSync());
    const sign = Math.sign(uf[0] * Q1[0][0]);
    uf.forEach((x, i) => expect(sign * x).toBeCloseTo(Q1[i][0], 4));
    tf.dispose([w, u]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the normalised weight has top singular value ≈ 1 (checked in float64) and keeps w's shape", () => {
    const { data, shape } = tf.tidy(() => {
      const w = tf.tensor(wData, wShape);
      let u: tf.Tensor = tf.tensor1d([0.2, -0.5, 0.9]);
      for (let i = 0; i < 30; i++) u = spectralNormalize(w, u).u;
      const r = spectralNormalize(w, u);
      return { data: Array.from(r.w.dataSync()), shape: r.w.shape };
    });
    expect(shape).toEqual(wShape);
    const wt: Mat = [0, 1, 2, 3, 4].map((k) => data.slice(3 * k, 3 * k + 3)); // [5, 3] = Mᵀ/σ
    expect(topSingularValue(wt)).toBeCloseTo(1, 4);
  });

  it("∂/∂w matches finite differences of the same function with u' and v held fixed", () => {
    const rng = new Rng(7);
    const K = 5, C = 3;
    const A0 = transpose(M); // [K, C] = reshape(w, [−1, C])
    const R = Array.from({ length: K * C }, () => rng.normal()); // f(w) = Σ R ⊙ w/σ
    const u0 = [0.6, -0.3, 0.74];
    const normalize = (x: number[]) => {
      const n = Math.hypot(...x);
      return x.map((a) => a / n);
    };
    // The power iteration from A0 in float64: v = normalize(A u), u' = normalize(Aᵀ v).
    const vOf = (A: Mat) => normalize(A.map((r) => r.reduce((s, a, j) => s + a * u0[j], 0)));
    const uOf = (A: Mat, v: number[]) => normalize([0, 1, 2].map((j) => A.reduce((s, r, k) => s + r[j] * v[k], 0)));
    const f = (A: Mat, v: number[], u: number[]) => {
      const sigma = A.reduce((s, r, k) => s + r.reduce((t, a, j) => t + v[k] * a * u[j], 0), 0);
      return A.flat().reduce((s, a, i) => s + (R[i] * a) / sigma, 0);
    };
    const v0 = vOf(A0);
    const uu0 = uOf(A0, v0);
    const h = 1e-6;
    const fdFixed: number[] = [];
    const fdFull: number[] = []; // u', v recomputed from the perturbed A: what SN must NOT give
    for (let i = 0; i < K * C; i++) {
      const plus = A0.map((r) => r.slice());
      const minus = A0.map((r) => r.slice());
      plus[Math.floor(i / C)][i % C] += h;
      minus[Math.floor(i / C)][i % C] -= h;
      fdFixed.push((f(plus, v0, uu0) - f(minus, v0, uu0)) / (2 * h));
      const vp = vOf(plus), vm = vOf(minus);
      fdFull.push((f(plus, vp, uOf(plus, vp)) - f(minus, vm, uOf(minus, vm))) / (2 * h));
    }
    const before = tf.memory().numTensors;
    const grad = tf.tidy(() => {
      const w = tf.tensor(wData, wShape);
      const u = tf.tensor1d(u0);
      const r = tf.tensor(R, wShape);
      return Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(spectralNormalize(x, u).w, r)))(w).dataSync());
    });
    expect(tf.memory().numTensors).toBe(before);
    grad.forEach((g, i) => expect(g).toBeCloseTo(fdFixed[i], 4));
    // The two definitions differ measurably here, so the test can tell them apart.
    const gap = Math.max(...fdFixed.map((g, i) => Math.abs(g - fdFull[i])));
    expect(gap).toBeGreaterThan(1e-2);
  });
});

describe("stopGradient", () => {
  it("is the identity forwards and zero backwards: d/dx Σ stop(x)·x = x", () => {
    const [value, grad] = tf.tidy(() => {
      const x = tf.tensor1d([1, -2, 3]);
      return [Array.from(stopGradient(x).dataSync()), Array.from(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(stopGradient(a), a)))(x).dataSync())];
    });
    expect(value).toEqual([1, -2, 3]);
    expect(grad).toEqual([1, -2, 3]);
  });
});

describe("sn and initSpectralU", () => {
  it("declares a unit vector of length cout", () => {
    const init = new ParamInit(new Rng(3));
    initSpectralU(init, "d.w", 6);
    const { shape, data } = init.arrays["d.w.u"];
    expect(shape).toEqual([6]);
    expect(Math.hypot(...data)).toBeCloseTo(1, 6);
  });

  it("returns the weight itself without a .u buffer and writes no update", () => {
    const w = tf.tensor2d([[1, 2]]);
    const updates: Updates = new Map();
    expect(sn({ w }, "w", updates)).toBe(w);
    expect(updates.size).toBe(0);
    w.dispose();
  });

  it("with a .u buffer returns w/σ and records u' under `${name}.u`", () => {
    // w = diag(2, 1) as [in = 2, out = 2]; u = e₀: v = normalize(W u) = e₀, u' = e₀, σ = 2.
    const before = tf.memory().numTensors;
    const updates: Updates = new Map();
    const out = tf.tidy(() => {
      const p = { "l.w": tf.tensor2d([[2, 0], [0, 1]]), "l.w.u": tf.tensor1d([1, 0]) };
      const w = sn(p, "l.w", updates);
      const u = updates.get("l.w.u");
      if (u === undefined) throw new Error("no update");
      return { w: Array.from(w.dataSync()), u: Array.from(u.dataSync()) };
    });
    expect(out.w).toEqual([1, 0, 0, 0.5]);
    expect(out.u).toEqual([1, 0]);
    expect([...updates.keys()]).toEqual(["l.w.u"]);
    expect(tf.memory().numTensors).toBe(before); // not kept: the tidy disposed it
  });
});
