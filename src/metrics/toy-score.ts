// One number to rank toy members by (higher is better), from the VEEGAN/PacGAN metrics:
//   score = modes/K + highQuality − reverseKL/ln K,
// each term in [0, 1] (reverse KL is at most ln K on the modes' histogram), so the score lies in
// [−1, 2]: 2 is every mode, every sample high-quality, evenly spread. It does not depend on the
// member's own discriminator, so members of different architectures compare fairly.
import type { ToyMetrics } from "../records.ts";

export function toyScore(m: ToyMetrics): number {
  return m.modes / m.totalModes + m.highQuality - m.reverseKL / Math.log(m.totalModes);
}
