// Toy metrics after VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018), on 2,500
// samples: a sample is high-quality if it lies within 3σ of its nearest centre; a mode is
// captured if it is the nearest centre of at least one high-quality sample. The reverse KL is
// KL(p ‖ uniform) = Σ_k p_k ln(p_k·K), p_k = high-quality samples nearest mode k / all
// high-quality samples (terms with p_k = 0 contribute 0). It is 0 for a perfectly even spread and
// ln K when everything sits on one mode; with no high-quality sample it is reported as ln K.
// These three can be gamed by a generator that smears over the whole layout (one sample near a
// centre captures its mode), so a real distance to the mixture comes with them: MMD²
// (src/metrics/mixture-mmd.ts).
import type { ToyMetrics } from "../records.ts";
import type { ToyDataset } from "../data/toy-datasets.ts";
import { mixtureMmd } from "./mixture-mmd.ts";

export function toyMetrics(samples: Float32Array, data: ToyDataset): ToyMetrics {
  const n = samples.length / 2;
  const k = data.centres.length / 2;
  const counts = new Float64Array(k);
  const threshold2 = (3 * data.sigma) ** 2;
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i];
    const y = samples[2 * i + 1];
    let best = 0;
    let bestD2 = Infinity;
    for (let m = 0; m < k; m++) {
      const dx = x - data.centres[2 * m];
      const dy = y - data.centres[2 * m + 1];
      const d2 = dx * dx + dy * dy;
      if (d2 < bestD2) {
        bestD2 = d2;
        best = m;
      }
    }
    if (bestD2 <= threshold2) {
      counts[best]++;
      hq++;
    }
  }
  let modes = 0;
  let reverseKL = 0;
  for (let m = 0; m < k; m++) {
    if (counts[m] === 0) continue;
    modes++;
    const p = counts[m] / hq;
    reverseKL += p * Math.log(p * k);
  }
  if (hq === 0) reverseKL = Math.log(k);
  return { samples: n, modes, totalModes: k, highQuality: n === 0 ? 0 : hq / n, reverseKL, mmd: mixtureMmd(samples, data) };
}
