// Spectral norm against a matrix with known singular values, and its gradient against finite
// differences computed in float64 JS.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ParamInit, type Updates } from "../../../src/models/image/params.ts";
import { initSpectralU, sn, spectralNormalize, stopGradient, type PowerIterationSite } from "../../../src/models/image/spectral-norm.ts";
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

/**
 * Spectral norm as it was first written: plain tf ops, autodiff through the power iteration with
 * stop-gradients on u' and v. The rewrite (JS on the host, or tensor ops off the tape, with a
 * hand-written gradient) must match it.
 */
function formulaSn(w: tf.Tensor, u: tf.Tensor): { w: tf.Tensor; u: tf.Tensor; sigma: tf.Tensor } {
  const cout = w.shape[w.rank - 1];
  const wt = tf.reshape(w, [-1, cout]);
  const normalize = (x: tf.Tensor) => tf.div(x, tf.maximum(tf.norm(x), 1e-12));
  const v = normalize(tf.matMul(stopGradient(wt), tf.reshape(u, [cout, 1])));
  const wv = tf.matMul(wt, v, true, false);
  const uNew = stopGradient(normalize(wv));
  const sigma = tf.sum(tf.mul(uNew, wv));
  return { w: tf.div(w, sigma), u: tf.reshape(uNew, [cout]), sigma };
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe("spectralNormalize against the formula written with autodiff", () => {
  const rng = new Rng(21);
  const cases = [
    { shape: [3, 3, 4, 6], name: "conv [3, 3, 4, 6]" },
    { shape: [5, 7], name: "dense [5, 7]" },
  ];
  for (const site of ["host", "tensor"] as PowerIterationSite[]) {
    for (const { shape, name } of cases) {
      it(`${site}: ${name}: w/σ, u', σ and ∂Σ R⊙(w/σ)/∂w`, () => {
        const size = shape.reduce((a, b) => a * b, 1);
        const cout = shape[shape.length - 1];
        const wData = rng.normalArray(size), uData = rng.normalArray(cout), rData = rng.normalArray(size);
        const before = tf.memory().numTensors;
        const [want, got] = tf.tidy(() => {
          const w = tf.tensor(wData, shape), u = tf.tensor1d(uData), r = tf.tensor(rData, shape);
          const run = (f: (x: tf.Tensor) => { w: tf.Tensor; u: tf.Tensor; sigma: tf.Tensor }) => {
            const out = f(w);
            const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x).w, r)))(w);
            return { w: values(out.w), u: values(out.u), sigma: out.sigma.dataSync()[0], grad: values(grad), shape: out.w.shape };
          };
          return [run((x) => formulaSn(x, u)), run((x) => spectralNormalize(x, u, site))];
        });
        expect(tf.memory().numTensors).toBe(before);
        expect(got.shape).toEqual(shape);
        expect(got.sigma).toBeCloseTo(want.sigma, 5);
        got.w.forEach((x, i) => expect(x).toBeCloseTo(want.w[i], 5));
        got.u.forEach((x, i) => expect(x).toBeCloseTo(want.u[i], 5));
        got.grad.forEach((x, i) => expect(x).toBeCloseTo(want.grad[i], 4));
      });
    }
  }
});

describe("sn: one normalisation per weight within a tape", () => {
  const rng = new Rng(22);
  const shape = [2, 2, 3, 4];
  const wData = rng.normalArray(48), uData = rng.normalArray(4), r1 = rng.normalArray(48), r2 = rng.normalArray(48);

  it("a second call in the same tape returns the same tensor, and the gradients of both uses add up", () => {
    const [want, got, same] = tf.tidy(() => {
      const w = tf.tensor(wData, shape), u = tf.tensor1d(uData);
      const a = tf.tensor(r1, shape), b = tf.tensor(r2, shape);
      const wantGrad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(formulaSn(x, u).w, tf.add(a, b))))(w);
      let sameTensor = false;
      const gotGrad = tf.grad((x: tf.Tensor) => {
        const p = { w: x, "w.u": u };
        const first = sn(p, "w"), second = sn(p, "w");
        sameTensor = first === second;
        return tf.add(tf.sum(tf.mul(first, a)), tf.sum(tf.mul(second, b)));
      })(w);
      return [values(wantGrad), values(gotGrad), sameTensor];
    });
    expect(same).toBe(true);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i], 4));
  });

  it("a normalisation made outside a tape is not reused inside one: the gradient still reaches w", () => {
    const [want, got] = tf.tidy(() => {
      const w = tf.tensor(wData, shape), u = tf.tensor1d(uData), a = tf.tensor(r1, shape);
      const p = { w, "w.u": u };
      const outside = sn(p, "w");
      const gotGrad = tf.grad((x: tf.Tensor) => {
        expect(x).toBe(w); // the same weight tensor, now being differentiated
        return tf.sum(tf.mul(sn({ w: x, "w.u": u }, "w"), a));
      })(w);
      expect(outside.isDisposed).toBe(false);
      return [values(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(formulaSn(x, u).w, a)))(w)), values(gotGrad)];
    });
    expect(Math.max(...got.map(Math.abs))).toBeGreaterThan(0.01);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i], 4));
  });

  it("u' goes once into each updates map: the map that asked first gets the tensor, another a copy", () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const p = { w: tf.tensor(wData, shape), "w.u": tf.tensor1d(uData) };
      const m1: Updates = new Map(), m2: Updates = new Map();
      sn(p, "w", m1);
      const first = m1.get("w.u");
      sn(p, "w", m1);
      sn(p, "w", m2);
      expect(m1.get("w.u")).toBe(first);
      expect(m2.get("w.u")).not.toBe(first);
      expect(values(m2.get("w.u")!)).toEqual(values(first!));
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
