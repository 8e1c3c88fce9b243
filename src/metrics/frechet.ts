// Fréchet distance between Gaussians fitted to feature sets — the FID of
// Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter, "GANs Trained by a Two Time-Scale Update
// Rule Converge to a Local Nash Equilibrium", NeurIPS 2017:
//
//   d² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2}).
//
// (Σ1 Σ2)^{1/2} is not symmetric, so we use the similar symmetric form
// Tr (Σ1 Σ2)^{1/2} = Tr (S Σ2 S)^{1/2} with S = Σ1^{1/2}: S Σ2 S is symmetric PSD and has the same
// eigenvalues as Σ1 Σ2, so only symmetric eigendecompositions are needed. Those come from a cyclic
// Jacobi solver in float64 (small d; no dependency on a linear-algebra library).

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** n×n row-major; column j (vectors[i*n + j] for i = 0..n-1) is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition A = V diag(λ) Vᵀ of a symmetric n×n row-major matrix by cyclic Jacobi rotations.
 * Only the symmetric part of `a` is meaningful; `a` is not modified. Eigenvalues are returned as
 * computed (they may be negative for indefinite input); PSD callers clamp them (see psdSqrt).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1) throw new Error(`symmetricEigen: n must be a positive integer, got ${n}`);
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} entries for ${n}×${n}, got ${a.length}`);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = 0.5 * (a[i * n + j] + a[j * n + i]);
      if (!Number.isFinite(x)) throw new Error(`symmetricEigen: non-finite entry at (${i}, ${j})`);
      m[i * n + j] = x;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let frob2 = 0;
  for (let i = 0; i < n * n; i++) frob2 += m[i] * m[i];
  const maxSweeps = 100;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * m[p * n + q] * m[p * n + q];
    if (off2 === 0 || off2 <= 1e-30 * frob2) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        // Negligible against both diagonal entries: zero it without rotating (Numerical Recipes §11.1).
        if (sweep > 3 && Math.abs(apq) < 1e-18 * Math.min(Math.abs(app), Math.abs(aqq))) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← A J (columns p, q), then A ← Jᵀ A (rows p, q); V ← V J.
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/** Symmetric PSD square root V diag(√max(0, λ)) Vᵀ (tiny negative eigenvalues from rounding clamp to 0). */
export function psdSqrt(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const r = Math.sqrt(Math.max(0, values[k]));
    if (r === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * r;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

/** Tr A^{1/2} for symmetric PSD A: Σ √max(0, λ). */
export function traceSqrtPsd(a: ArrayLike<number>, n: number): number {
  let t = 0;
  for (const l of symmetricEigen(a, n).values) t += Math.sqrt(Math.max(0, l));
  return t;
}

function matmul(a: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

/**
 * Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2) (Heusel et al. 2017); Σ are d×d row-major.
 * ‖μ1−μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr (Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2}.
 */
export function frechetDistance(mu1: Float64Array, sigma1: Float64Array, mu2: Float64Array, sigma2: Float64Array): number {
  const d = mu1.length;
  if (mu2.length !== d) throw new Error(`frechetDistance: mean lengths differ (${d} vs ${mu2.length})`);
  if (sigma1.length !== d * d || sigma2.length !== d * d) {
    throw new Error(`frechetDistance: covariances must be ${d}×${d} (${d * d} entries), got ${sigma1.length} and ${sigma2.length}`);
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (mu1[i] - mu2[i]) ** 2;
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < d; i++) {
    tr1 += sigma1[i * d + i];
    tr2 += sigma2[i * d + i];
  }
  const s = psdSqrt(sigma1, d);
  const m = matmul(matmul(s, sigma2, d), s, d);
  return meanTerm + tr1 + tr2 - 2 * traceSqrtPsd(m, d);
}

export interface MeanCov {
  mean: Float64Array;
  /** d×d row-major, unbiased (divides by n − 1). */
  cov: Float64Array;
}

/** Mean and unbiased covariance of n row-major feature vectors of length d (two-pass, float64). */
export function meanAndCovariance(features: Float32Array | Float64Array, n: number, d: number): MeanCov {
  if (!Number.isInteger(n) || n < 2) throw new Error(`meanAndCovariance: need at least 2 samples, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`meanAndCovariance: d must be a positive integer, got ${d}`);
  if (features.length !== n * d) throw new Error(`meanAndCovariance: expected ${n}×${d} = ${n * d} values, got ${features.length}`);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += features[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) row[j] = features[r * d + j] - mean[j];
    for (let i = 0; i < d; i++) {
      const ri = row[i];
      for (let j = i; j < d; j++) cov[i * d + j] += ri * row[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const c = cov[i * d + j] / (n - 1);
      cov[i * d + j] = c;
      cov[j * d + i] = c;
    }
  }
  return { mean, cov };
}

/** FID between two feature sets (nA×d and nB×d, row-major). */
export function fid(featuresA: Float32Array | Float64Array, nA: number, featuresB: Float32Array | Float64Array, nB: number, d: number): number {
  const a = meanAndCovariance(featuresA, nA, d);
  const b = meanAndCovariance(featuresB, nB, d);
  return frechetDistance(a.mean, a.cov, b.mean, b.cov);
}
