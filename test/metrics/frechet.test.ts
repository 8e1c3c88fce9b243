import { describe, expect, it } from "vitest";
import { fid, frechetDistance, meanAndCovariance, psdSqrt, symmetricEigen } from "../../src/metrics/frechet.ts";
import { Rng } from "../../src/util/rng.ts";

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = rng.normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

/** Householder reflection Q = I − 2 v vᵀ / vᵀv: an orthogonal matrix built without any eigen solver. */
function householder(v: number[]): Float64Array {
  const n = v.length;
  const vv = v.reduce((s, x) => s + x * x, 0);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
  return q;
}

/** Q diag(d) Qᵀ. */
function conj(q: Float64Array, d: number[]): Float64Array {
  const n = d.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += q[i * n + k] * d[k] * q[j * n + k];
  return out;
}

function diag(d: number[]): Float64Array {
  const n = d.length;
  const out = new Float64Array(n * n);
  d.forEach((x, i) => (out[i * n + i] = x));
  return out;
}

describe("symmetricEigen (cyclic Jacobi)", () => {
  it("[[2,1],[1,2]] has eigenvalues 1 and 3 with eigenvectors (1,−1)/√2 and (1,1)/√2", () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    // column 1 ∝ (1, 1), column 0 ∝ (1, −1)
    expect(Math.abs(vectors[0 * 2 + 1])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0 * 2 + 1] * vectors[1 * 2 + 1]).toBeCloseTo(0.5, 14);
    expect(vectors[0 * 2 + 0] * vectors[1 * 2 + 0]).toBeCloseTo(-0.5, 14);
  });

  it("diagonal input returns its diagonal, sorted", () => {
    const { values } = symmetricEigen(diag([5, -2, 0.5]), 3);
    expect(Array.from(values)).toEqual([-2, 0.5, 5]);
  });

  it("reconstructs A = V diag(λ) Vᵀ to 1e-10 with orthonormal V for random symmetric matrices, d = 2..12", () => {
    const rng = new Rng(7);
    for (let n = 2; n <= 12; n++) {
      for (let rep = 0; rep < 3; rep++) {
        const a = randomSymmetric(rng, n);
        const { values, vectors: v } = symmetricEigen(a, n);
        for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
        let maxErr = 0;
        let maxOrth = 0;
        let trace = 0;
        for (let i = 0; i < n; i++) {
          trace += a[i * n + i];
          for (let j = 0; j < n; j++) {
            let r = 0;
            let o = 0;
            for (let k = 0; k < n; k++) {
              r += v[i * n + k] * values[k] * v[j * n + k];
              o += v[k * n + i] * v[k * n + j]; // (VᵀV)ij
            }
            maxErr = Math.max(maxErr, Math.abs(r - a[i * n + j]));
            maxOrth = Math.max(maxOrth, Math.abs(o - (i === j ? 1 : 0)));
          }
        }
        expect(maxErr).toBeLessThan(1e-10);
        expect(maxOrth).toBeLessThan(1e-10);
        expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(trace, 10);
      }
    }
  });

  it("psdSqrt squares back to the matrix and clamps a tiny negative eigenvalue to 0", () => {
    const q = householder([1, 2, -1, 0.5]);
    const a = conj(q, [4, 9, 0.25, -1e-14]);
    const s = psdSqrt(a, 4);
    const expected = conj(q, [2, 3, 0.5, 0]);
    for (let i = 0; i < 16; i++) expect(s[i]).toBeCloseTo(expected[i], 10);
  });
});

describe("frechetDistance / fid (Heusel et al. 2017)", () => {
  it("diagonal covariances: Σ(μ1−μ2)² + Σ(σ1 + σ2 − 2√(σ1σ2))", () => {
    const mu1 = [0, 1, -2, 3];
    const mu2 = [1, 1, 0, -1];
    const v1 = [1, 4, 0.5, 2];
    const v2 = [4, 1, 2, 2];
    let expected = 0;
    for (let i = 0; i < 4; i++) expected += (mu1[i] - mu2[i]) ** 2 + v1[i] + v2[i] - 2 * Math.sqrt(v1[i] * v2[i]);
    // by hand: means 1+0+4+16 = 21; traces (1+4−4)+(4+1−4)+(0.5+2−2)+(2+2−4) = 2.5
    expect(expected).toBeCloseTo(23.5, 12);
    const d = frechetDistance(Float64Array.from(mu1), diag(v1), Float64Array.from(mu2), diag(v2));
    expect(d).toBeCloseTo(23.5, 10);
  });

  it("2×2 non-diagonal case against Tr√(Σ1Σ2) = √(Tr(Σ1Σ2) + 2√(detΣ1·detΣ2))", () => {
    const s1 = Float64Array.from([2, 1, 1, 3]);
    const s2 = Float64Array.from([1, -0.5, -0.5, 2]);
    // Σ1Σ2 = [[2−0.5, −1+2], [1−1.5, −0.5+6]] = [[1.5, 1], [−0.5, 5.5]]: trace 7; det Σ1 = 5, det Σ2 = 1.75
    const trSqrt = Math.sqrt(7 + 2 * Math.sqrt(5 * 1.75));
    const mu1 = Float64Array.from([1, 2]);
    const mu2 = Float64Array.from([0, 0]);
    const expected = 5 + 5 + 3 - 2 * trSqrt;
    expect(frechetDistance(mu1, s1, mu2, s2)).toBeCloseTo(expected, 10);
    // symmetric in its arguments
    expect(frechetDistance(mu2, s2, mu1, s1)).toBeCloseTo(expected, 10);
  });

  it("Σ1 = I, Σ2 = A Aᵀ with A = Q diag(s) Qᵀ: trace term is Σ s (d = 5)", () => {
    const q = householder([0.3, -1, 2, 0.7, 1.1]);
    const s = [0.5, 1, 2, 3, 0.1];
    const sigma2 = conj(q, s.map((x) => x * x));
    const d = 5;
    const zero = new Float64Array(d);
    const eye = diag([1, 1, 1, 1, 1]);
    const expected = 5 + s.reduce((t, x) => t + x * x, 0) - 2 * s.reduce((t, x) => t + x, 0);
    expect(frechetDistance(zero, eye, zero, sigma2)).toBeCloseTo(expected, 10);
  });

  it("commuting non-diagonal covariances Q diag(a) Qᵀ, Q diag(b) Qᵀ give Σ(a + b − 2√(ab))", () => {
    const q = householder([1, 1, -2, 0.5, 3, -0.25]);
    const a = [1, 2, 3, 4, 5, 0.01];
    const b = [4, 0.5, 3, 9, 0.2, 1];
    const expected = a.reduce((t, ai, i) => t + ai + b[i] - 2 * Math.sqrt(ai * b[i]), 0);
    const mu = new Float64Array(6);
    expect(frechetDistance(mu, conj(q, a), mu, conj(q, b))).toBeCloseTo(expected, 10);
  });

  it("meanAndCovariance on a hand set: mean (1.5, 2.25), unbiased cov [[5, 5.5], [5.5, 8.75]]/3", () => {
    const pts = Float32Array.from([0, 0, 1, 2, 2, 4, 3, 3]);
    const { mean, cov } = meanAndCovariance(pts, 4, 2);
    expect(Array.from(mean)).toEqual([1.5, 2.25]);
    expect(cov[0]).toBeCloseTo(5 / 3, 14);
    expect(cov[1]).toBeCloseTo(5.5 / 3, 14);
    expect(cov[2]).toBeCloseTo(5.5 / 3, 14);
    expect(cov[3]).toBeCloseTo(8.75 / 3, 14);
    expect(() => meanAndCovariance(pts, 3, 2)).toThrow(/expected 3×2/);
    expect(() => meanAndCovariance(Float32Array.from([1, 2]), 1, 2)).toThrow(/at least 2/);
  });

  it("FID of a set against itself is 0; against a translate by c it is ‖c‖²", () => {
    const rng = new Rng(11);
    const n = 300;
    const d = 8;
    const a = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      const z = Array.from({ length: d }, () => rng.normal());
      // correlated features: x_j = z_j + 0.5 z_{j−1}
      for (let j = 0; j < d; j++) a[r * d + j] = z[j] + (j > 0 ? 0.5 * z[j - 1] : 0) + j;
    }
    expect(Math.abs(fid(a, n, a, n, d))).toBeLessThan(1e-9);
    const c = [1, -2, 0, 0.5, 0, 0, 3, -1];
    const b = a.map((x, i) => x + c[i % d]);
    expect(fid(a, n, b, n, d)).toBeCloseTo(c.reduce((s, x) => s + x * x, 0), 8);
  });

  it("FID from samples of two Gaussians approaches the closed form", () => {
    const rng = new Rng(3);
    const n = 20000;
    const d = 3;
    const a = new Float32Array(n * d);
    const b = new Float32Array(n * d);
    const sdA = [1, 2, 0.5];
    const sdB = [2, 1, 0.5];
    const muB = [1, 0, -1];
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) {
        a[r * d + j] = sdA[j] * rng.normal();
        b[r * d + j] = muB[j] + sdB[j] * rng.normal();
      }
    }
    // closed form: means 2; traces (1+4−4) + (4+1−4) + 0 = 2 → 4; sampling error at n = 20000 is ~0.05
    expect(Math.abs(fid(a, n, b, n, d) - 4)).toBeLessThan(0.2);
  });

  it("rejects mismatched shapes", () => {
    expect(() => frechetDistance(new Float64Array(2), new Float64Array(4), new Float64Array(3), new Float64Array(9))).toThrow(/mean lengths/);
    expect(() => frechetDistance(new Float64Array(2), new Float64Array(3), new Float64Array(2), new Float64Array(4))).toThrow(/2×2/);
  });
});
