// A distance between a generator's samples and the known toy mixture that spreading out cannot
// game: the squared maximum mean discrepancy (Gretton et al. 2012) with a sum of Gaussian kernels
//   k(x, y) = Σ_h exp(−‖x − y‖² / (2h²)),   h ∈ {1, 4, 16, 64}·σ,
// the narrowest as wide as one mode (does a sample sit on a mode?), the widest as wide as the
// whole layout (is the mass spread over the modes evenly?). Together they make a characteristic
// kernel: MMD² = 0 exactly when the two distributions are equal.
//
//   MMD² = E k(x, x') − 2·E k(x, y) + E k(y, y'),   x, x' ~ generator, y, y' ~ mixture.
//
// The mixture is known (K equal-weight Gaussians N(c_k, σ²I) in 2-D), so its two terms are exact
// rather than estimated from data samples: for one Gaussian kernel of width h,
//   E_y k(x, y)   = h²/(h² + σ²)   · (1/K) Σ_k exp(−‖x − c_k‖² / (2(h² + σ²)))
//   E_yy' k(y, y') = h²/(h² + 2σ²) · (1/K²) Σ_jk exp(−‖c_j − c_k‖² / (2(h² + 2σ²)))
// (a Gaussian convolved with a Gaussian). The generator term is the unbiased U-statistic over
// pairs i ≠ j, so a sample drawn from the data itself scores 0 in expectation, and a perfect
// generator's score is only sampling noise around 0. Lower is better; a uniform smear over the
// square, a collapse onto a few modes and a sample missing one mode each score clearly above 0.
import type { ToyDataset } from "../data/toy-datasets.ts";

/** Kernel widths as multiples of the mixture's σ. */
export const MMD_BANDWIDTHS = [1, 4, 16, 64] as const;

/** MMD² (unbiased in the generator term, exact in the mixture's) between `samples` (x0, y0, ...) and `data`. */
export function mixtureMmd(samples: Float32Array, data: ToyDataset): number {
  const n = samples.length / 2;
  if (n < 2) return NaN;
  const K = data.centres.length / 2;
  const s2 = data.sigma * data.sigma;
  const widths = MMD_BANDWIDTHS.map((m) => (m * data.sigma) ** 2);
  const c = data.centres;
  let total = 0;
  for (const h2 of widths) {
    // E k(y, y'): both points from the mixture.
    let yy = 0;
    for (let j = 0; j < K; j++) {
      for (let k = 0; k < K; k++) {
        const dx = c[2 * j] - c[2 * k];
        const dy = c[2 * j + 1] - c[2 * k + 1];
        yy += Math.exp(-(dx * dx + dy * dy) / (2 * (h2 + 2 * s2)));
      }
    }
    yy *= h2 / (h2 + 2 * s2) / (K * K);
    // E k(x, y): a generator sample against the mixture.
    let xy = 0;
    for (let i = 0; i < n; i++) {
      const x = samples[2 * i];
      const y = samples[2 * i + 1];
      for (let k = 0; k < K; k++) {
        const dx = x - c[2 * k];
        const dy = y - c[2 * k + 1];
        xy += Math.exp(-(dx * dx + dy * dy) / (2 * (h2 + s2)));
      }
    }
    xy *= h2 / (h2 + s2) / (K * n);
    // E k(x, x'): pairs of distinct generator samples.
    let xx = 0;
    const inv = -1 / (2 * h2);
    for (let i = 0; i < n; i++) {
      const x = samples[2 * i];
      const y = samples[2 * i + 1];
      for (let j = i + 1; j < n; j++) {
        const dx = x - samples[2 * j];
        const dy = y - samples[2 * j + 1];
        xx += Math.exp((dx * dx + dy * dy) * inv);
      }
    }
    xx *= 2 / (n * (n - 1));
    total += xx - 2 * xy + yy;
  }
  return total;
}
