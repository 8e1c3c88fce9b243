// The search-space vocabulary both population strategies share (strategies/pbt.ts,
// strategies/random-search.ts): hyperparameter values and specs, validation, sampling, the
// fitness ranking, and the plan a strategy returns. Pure: no tfjs, no Effect, no I/O; randomness
// only from the Rng passed in.

import type { Rng } from "../src/util/rng.ts";

export type HyperScalar = number | string | boolean;
/** A hyperparameter's value: a scalar, or a list of scalars (a choice between lists, e.g. E-GAN's mutation set). */
export type HyperValue = HyperScalar | readonly HyperScalar[];

/** Whether two values are the same (lists element by element, so a choice finds its lists). */
export function sameValue(a: HyperValue | undefined, b: HyperValue | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b;
}

/** A value as text for logs and errors: lists as "a+b+c". */
export function hyperText(v: HyperValue | undefined): string {
  return Array.isArray(v) ? v.join("+") : String(v);
}
export type Hypers = Readonly<Record<string, HyperValue>>;
/**
 * How one hyperparameter may be drawn and (under PBT) mutate. Declared here, as what a strategy
 * reads (strategies import no Effect); the sweep config's schema (src/config/sweep-config.ts)
 * decodes into this type (the compiler checks that what it decodes fits).
 */
export type HyperSpec =
  /** A real in [min, max]; `log` draws it log-uniformly (min > 0), e.g. a learning rate. */
  | { readonly kind: "continuous"; readonly min: number; readonly max: number; readonly log?: boolean }
  /** An integer in [min, max], both ends included, e.g. n_D discriminator steps. */
  | { readonly kind: "integer"; readonly min: number; readonly max: number }
  /** One of an ordered list; PBT steps to a neighbour in this order. */
  | { readonly kind: "choice"; readonly values: readonly HyperValue[] };
export type HyperSpace = Readonly<Record<string, HyperSpec>>;

/**
 * Problems with a search space (and, when given, with hypers that should lie in it), each naming
 * the hyperparameter by its key: empty when the space is usable. Strategies throw on a non-empty
 * list (a programmer error); the config schema reports it with the dot-path.
 */
export function validateHyperSpace(space: HyperSpace, hypers?: Hypers): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(space).sort()) {
    const spec = space[name];
    if (spec.kind === "choice") {
      if (spec.values.length === 0) problems.push(`${name}: choice needs at least one value`);
    } else {
      if (!Number.isFinite(spec.min) || !Number.isFinite(spec.max) || spec.min > spec.max) {
        problems.push(`${name}: needs finite min ≤ max, got [${spec.min}, ${spec.max}]`);
      } else if (spec.kind === "integer" && (!Number.isInteger(spec.min) || !Number.isInteger(spec.max))) {
        problems.push(`${name}: integer bounds must be integers, got [${spec.min}, ${spec.max}]`);
      } else if (spec.kind === "continuous" && spec.log && spec.min <= 0) {
        problems.push(`${name}: a log range needs min > 0, got ${spec.min}`);
      }
    }
    if (hypers !== undefined && !inSpace(spec, hypers[name])) {
      problems.push(`${name}: value ${hyperText(hypers[name])} is outside its space`);
    }
  }
  return problems;
}

/** Whether `value` is one `spec` can produce (missing values are not). */
export function inSpace(spec: HyperSpec, value: HyperValue | undefined): boolean {
  if (spec.kind === "choice") return value !== undefined && spec.values.some((v) => sameValue(v, value));
  if (typeof value !== "number" || value < spec.min || value > spec.max) return false;
  return spec.kind === "continuous" || Number.isInteger(value);
}

/** Throws on an unusable space: strategies call this before drawing anything. */
export function assertHyperSpace(space: HyperSpace): void {
  const problems = validateHyperSpace(space);
  if (problems.length > 0) throw new RangeError(`invalid hyperparameter space: ${problems.join("; ")}`);
}

/**
 * One draw from a spec: uniform on [min, max] (log-uniform, exp(U[log min, log max]), when `log`),
 * a uniform integer in [min, max], or a uniform element of a choice list. One rng draw each.
 */
export function sampleValue(spec: HyperSpec, rng: Rng): HyperValue {
  switch (spec.kind) {
    case "continuous": {
      const u = rng.uniform();
      if (!spec.log) return spec.min + (spec.max - spec.min) * u;
      const lo = Math.log(spec.min);
      const hi = Math.log(spec.max);
      // exp(log x) can land an ulp outside [min, max]: clamp so the value stays in the space.
      return clamp(Math.exp(lo + (hi - lo) * u), spec.min, spec.max);
    }
    case "integer":
      return spec.min + rng.int(spec.max - spec.min + 1);
    case "choice":
      return spec.values[rng.int(spec.values.length)];
  }
}

/**
 * A member's initial hyperparameters: `base` with every name in `space` drawn afresh (names in
 * sorted order, so the rng stream does not depend on how the config object was written).
 * Names outside `space` keep their value from `base`.
 */
export function sampleHypers(space: HyperSpace, base: Hypers, rng: Rng): Hypers {
  assertHyperSpace(space);
  const out: Record<string, HyperValue> = { ...base };
  for (const name of Object.keys(space).sort()) out[name] = sampleValue(space[name], rng);
  return out;
}

/** Diverged or failed: NaN or −∞ fitness. Such a member ranks last and is never copied from. */
export function isDiverged(fitness: number): boolean {
  return Number.isNaN(fitness) || fitness === -Infinity;
}

/**
 * Member ids best first: fitness descending (higher is better), NaN and −∞ last; equal fitnesses
 * are ordered by the tie-breaker (higher first, missing or NaN last), then keep the order the
 * members were given in, so the ranking is deterministic.
 */
export function rankMembers(members: readonly MemberStanding[]): string[] {
  const key = (f: number | undefined) => (f === undefined || isDiverged(f) ? -Infinity : f);
  const desc = (a: number, b: number) => (a === b ? 0 : b > a ? 1 : -1);
  return members
    .map((m, i) => ({ id: m.id, f: key(m.fitness), t: key(m.tieBreak), i }))
    .sort((a, b) => desc(a.f, b.f) || desc(a.t, b.t) || a.i - b.i)
    .map((m) => m.id);
}

/** PBT's options; the sweep config's `strategy` schema (src/config/sweep-config.ts) decodes into them. */
export interface PbtOptions {
  /** Fraction of the population in each of the top and bottom sets; in (0, 0.5]. */
  readonly quantile: number;
  /** Probability that explore redraws a hyperparameter from its space instead of moving it. */
  readonly resampleProbability: number;
  /** A perturbed number is multiplied by one of these, chosen uniformly. */
  readonly perturbFactors: readonly [number, number];
}

/** Ray Tune's defaults (quantile_fraction, resample_probability, perturbation_factors). */
export const DEFAULT_PBT_OPTIONS: PbtOptions = {
  quantile: 0.25,
  resampleProbability: 0.25,
  perturbFactors: [0.8, 1.2],
};

export interface MemberStanding {
  readonly id: string;
  /** Higher is better; NaN or -Infinity = diverged or failed, ranked last, never a source. */
  readonly fitness: number;
  /** Orders members of equal fitness (higher first); optional. */
  readonly tieBreak?: number;
  readonly hypers: Hypers;
  /** False while the member has no checkpoint yet (it cannot be copied from). */
  readonly hasCheckpoint: boolean;
}

/** One hyperparameter's move during explore; `from` is the source's value. */
export interface Exploration {
  readonly name: string;
  readonly from: HyperValue;
  readonly to: HyperValue;
  readonly how: "perturb" | "resample" | "neighbour";
}

export interface ExploitDecision {
  /** The member that is replaced. */
  readonly target: string;
  /** The member whose weights, optimizer state and discriminator the target copies. */
  readonly source: string;
  readonly reason: "bottom-quantile" | "diverged";
  /** The target's hypers before. */
  readonly oldHypers: Hypers;
  /** The source's hypers after exploration: what the target trains with next. */
  readonly newHypers: Hypers;
  /** Every hyperparameter of the space, in sorted name order, including ones that did not move. */
  readonly explored: readonly Exploration[];
}

/** What every population strategy returns: a plan of plain data, logged before it is carried out. */
export interface PbtPlan {
  /** Member ids, best first. */
  readonly ranking: readonly string[];
  /** In ranking order of their targets. */
  readonly decisions: readonly ExploitDecision[];
  /**
   * Members whose states are replaced by their elementwise mean after the decisions are carried
   * out (strategies/average.ts), best first; absent when nothing is averaged.
   */
  readonly average?: readonly string[];
}

/** A population strategy: the plan for one ready point (every generation's end). */
export type PopulationStrategy = (members: readonly MemberStanding[], space: HyperSpace, options: PbtOptions, rng: Rng) => PbtPlan;

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
