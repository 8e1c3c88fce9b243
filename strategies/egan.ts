// E-GAN selection: Wang et al., "Evolutionary Generative Adversarial Networks" (2019), §3.
// Every iteration each of the μ parents makes one child per mutation (λ = μ·|mutations|);
// every child is scored with F = Fq + γ·Fd and the best μ children survive, (μ, λ)-style:
// parents are never kept. Pure: no tfjs, no I/O; fitness is computed by the trainer.

export const MUTATIONS = ["minimax", "heuristic", "least-squares", "hinge", "rsgan"] as const;
/** A generator loss on D's score alone: every family's D has one, so every family can use it. */
export type Mutation = (typeof MUTATIONS)[number];

/**
 * Generator losses on D's intermediate features rather than its score: feature matching
 * (Salimans et al. 2016, §3.1). Only a model whose D exposes its features (SGAN) can use them.
 */
export const FEATURE_MUTATIONS = ["feature-matching"] as const;
/** Every mutation a config may name: the score losses and the feature losses. */
export const G_LOSSES = [...MUTATIONS, ...FEATURE_MUTATIONS] as const;
export type GLoss = (typeof G_LOSSES)[number];

export const isScoreMutation = (m: GLoss): m is Mutation => (MUTATIONS as readonly string[]).includes(m);

/**
 * The mutation set as score losses, for a trainer whose D has no features. The config refuses a
 * feature loss for such a family, so a throw here is a programmer error.
 */
export function scoreMutations(mutations: readonly GLoss[]): Mutation[] {
  return mutations.map((m) => {
    if (!isScoreMutation(m)) throw new Error(`the ${m} mutation needs D's features; only an sgan member has them`);
    return m;
  });
}

/** Mutations whose loss compares each fake with a real sample (the relativistic GAN), so need D's real scores too. */
export const needsRealScores = (mutations: readonly GLoss[]): boolean => mutations.includes("rsgan");

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

/**
 * Evolving every k iterations (`trainer.evolveEvery`): iteration `it` (0-based) evolves — every
 * parent tries every mutation and the fittest μ children survive — when it is a multiple of k,
 * and also whenever a parent has no loss of its own from the set (a fresh member, a checkpoint
 * from before evolve-every-k, a PBT copy whose mutation set changed). In between, each parent
 * trains on the loss its lineage was last selected with, so an iteration costs what a plain
 * run's does and E-GAN's overhead shrinks towards 1/k of its own.
 */
export function evolvesAt(it: number, every: number, losses: readonly (GLoss | undefined)[], mutations: readonly GLoss[]): boolean {
  return it % every === 0 || losses.some((l) => l === undefined || !mutations.includes(l));
}

/**
 * The losses each parent tries at iteration `it`: every mutation when the iteration evolves,
 * else the parent's own (`losses[p]`, the mutation its lineage was last selected with).
 * Children come parent-major in this order.
 */
export function lossesToTry(it: number, every: number, parents: number, losses: readonly (GLoss | undefined)[], mutations: readonly GLoss[]): GLoss[][] {
  const own = Array.from({ length: parents }, (_, p) => losses[p]);
  if (evolvesAt(it, every, own, mutations)) return own.map(() => [...mutations]);
  return own.map((l) => [l!]);
}

/** How survivors are chosen: by F = Fq + γ·Fd (the paper), or on the Pareto front of (Fq, Fd). */
export const SELECTIONS = ["sum", "pareto"] as const;
export type Selection = (typeof SELECTIONS)[number];

/** A child's two fitness parts and their sum F = Fq + γ·Fd. */
export interface ScoredChild {
  readonly Fq: number;
  readonly Fd: number;
  readonly F: number;
}

/**
 * Pareto selection: children in non-dominated fronts of (Fq, Fd), both higher-is-better (a child
 * dominates another when it is at least as good in both and better in one), filled front by
 * front; within a front, by rank sum — the child's rank among all children by Fq plus its rank by
 * Fd, smaller first — then by Fq, then by index. Only the order of each part counts, so no γ
 * weighs quality against diversity: γ is not used. A child with a NaN part is never selected.
 */
export function selectPareto(children: readonly ScoredChild[], mu: number): number[] {
  const live = children.map((_, i) => i).filter((i) => !Number.isNaN(children[i].Fq) && !Number.isNaN(children[i].Fd));
  const rankBy = (key: (c: ScoredChild) => number) => {
    const rank = new Map<number, number>();
    for (const i of live) rank.set(i, live.filter((j) => key(children[j]) > key(children[i])).length);
    return rank;
  };
  const rq = rankBy((c) => c.Fq);
  const rd = rankBy((c) => c.Fd);
  const dominates = (a: ScoredChild, b: ScoredChild) => a.Fq >= b.Fq && a.Fd >= b.Fd && (a.Fq > b.Fq || a.Fd > b.Fd);
  const out: number[] = [];
  let left = live;
  while (out.length < mu && left.length > 0) {
    const front = left.filter((i) => !left.some((j) => dominates(children[j], children[i])));
    front.sort((a, b) => rq.get(a)! + rd.get(a)! - (rq.get(b)! + rd.get(b)!) || children[b].Fq - children[a].Fq || a - b);
    out.push(...front.slice(0, mu - out.length));
    left = left.filter((i) => !front.includes(i));
  }
  return out;
}

/** The survivors under `selection`, best first (selectSurvivors on F, or selectPareto). */
export function survivorsOf(children: readonly ScoredChild[], mu: number, selection: Selection = "sum"): number[] {
  return selection === "pareto" ? selectPareto(children, mu) : selectSurvivors(children.map((c) => c.F), mu);
}
