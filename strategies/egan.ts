// E-GAN selection: Wang et al., "Evolutionary Generative Adversarial Networks" (2019), §3.
// Every iteration each of the μ parents makes one child per mutation (λ = μ·|mutations|);
// every child is scored with F = Fq + γ·Fd and the best μ children survive, (μ, λ)-style:
// parents are never kept. Pure: no tfjs, no I/O; fitness is computed by the trainer.

export const MUTATIONS = ["minimax", "heuristic", "least-squares", "hinge", "rsgan"] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Mutations whose loss compares each fake with a real sample (the relativistic GAN), so need D's real scores too. */
export const needsRealScores = (mutations: readonly Mutation[]): boolean => mutations.includes("rsgan");

/** F = Fq + γ·Fd. A NaN part makes F NaN, which `selectSurvivors` never selects. */
export function fitness(Fq: number, Fd: number, gamma: number): number {
  return Fq + gamma * Fd;
}

/** Higher is better everywhere; NaN (a diverged child) ranks below everything, even −∞. */
function rankKey(f: number): number {
  return Number.isNaN(f) ? -Infinity : f;
}

/**
 * Indices of the best μ children, best first. Ties break deterministically towards the lower
 * index (the earlier parent, then the earlier mutation in the configured order). NaN children
 * are never selected, so fewer than μ indices come back when fewer than μ are finite-or-±∞;
 * the trainer treats an empty selection as divergence.
 */
export function selectSurvivors(F: readonly number[], mu: number): number[] {
  const order = F.map((_, i) => i).filter((i) => !Number.isNaN(F[i]));
  order.sort((a, b) => rankKey(F[b]) - rankKey(F[a]) || a - b);
  return order.slice(0, mu);
}
