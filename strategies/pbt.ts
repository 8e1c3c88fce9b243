// Population-based training: Jaderberg et al., "Population Based Training of Neural Networks"
// (2017), §3 with the truncation-selection exploit and perturb/resample explore of §4, following
// Ray Tune's `PopulationBasedTraining` conventions (quantile_fraction 0.25, resample_probability
// 0.25, perturbation factors ×0.8 / ×1.2, list-valued hyperparameters step to a neighbour).
//
// At each ready point the members are ranked by fitness; every member of the bottom quantile
// (and every diverged member) is a target that copies a uniformly random member of the top
// quantile: its weights, optimizer state and discriminator ("exploit"), then takes that source's
// hyperparameters after "explore". The result is a plan of plain data that the orchestrator logs
// and then carries out, so a run's lineage can be replayed (Ray Tune's policy log).
// Pure: no tfjs, no Effect, no I/O; randomness only from the Rng passed in.

import type { Rng } from "../src/util/rng.ts";
import {
  assertHyperSpace,
  clamp,
  hyperText,
  isDiverged,
  rankMembers,
  sameValue,
  sampleValue,
  type ExploitDecision,
  type Exploration,
  type HyperSpace,
  type HyperSpec,
  type HyperValue,
  type Hypers,
  type MemberStanding,
  type PbtOptions,
  type PbtPlan,
} from "./search-space.ts";

export type { ExploitDecision, Exploration, HyperSpace, HyperSpec, HyperValue, Hypers, MemberStanding, PbtOptions, PbtPlan } from "./search-space.ts";
export { DEFAULT_PBT_OPTIONS } from "./search-space.ts";

/**
 * The exploit/explore plan for one ready point. With n members and k = max(1, ⌊n·quantile⌋):
 * - targets: the worst k of the ranking plus every diverged member (NaN or −∞ fitness);
 * - sources ("top"): the first k members of the ranking that are healthy, have a checkpoint and
 *   are not targets, so no member is both, and a diverged or checkpoint-less member is never one.
 * Each target copies top[rng.int(|top|)] and takes its hypers after `explore`. No decisions for
 * n < 2 or an empty top set (e.g. every member diverged).
 * Rng stream, in order, per target in ranking order: one draw for the source, then explore's.
 */
export function pbtPlan(
  members: readonly MemberStanding[],
  space: HyperSpace,
  options: PbtOptions,
  rng: Rng,
): PbtPlan {
  assertPbtOptions(options);
  assertHyperSpace(space);
  const byId = new Map(members.map((m) => [m.id, m]));
  if (byId.size !== members.length) throw new RangeError("pbtPlan: member ids must be unique");

  const ranking = rankMembers(members);
  const n = members.length;
  if (n < 2) return { ranking, decisions: [] };

  const k = Math.max(1, Math.floor(n * options.quantile));
  const bottom = new Set(ranking.slice(n - k));
  const targets = ranking.filter((id) => bottom.has(id) || isDiverged(byId.get(id)!.fitness));
  const targetSet = new Set(targets);
  const top = ranking
    .filter((id) => {
      const m = byId.get(id)!;
      // Diverged members are all targets already; the check keeps the rule local and explicit.
      return !targetSet.has(id) && !isDiverged(m.fitness) && m.hasCheckpoint;
    })
    .slice(0, k);
  if (top.length === 0) return { ranking, decisions: [] };

  const decisions = targets.map((target): ExploitDecision => {
    const t = byId.get(target)!;
    const source = byId.get(top[rng.int(top.length)])!;
    const { hypers, explored } = explore(source.hypers, space, options, rng);
    return {
      target,
      source: source.id,
      reason: isDiverged(t.fitness) ? "diverged" : "bottom-quantile",
      oldHypers: t.hypers,
      newHypers: hypers,
      explored,
    };
  });
  return { ranking, decisions };
}

/** The registry's uniform name for a strategy's planner (see strategies/index.ts). */
export const plan = pbtPlan;

/**
 * Ray Tune's explore: for each hyperparameter named in `space` (sorted, so the rng stream is fixed),
 * with probability p = resampleProbability redraw it from its space (`sampleValue`); otherwise
 * - continuous: multiply by a factor f ∈ perturbFactors, clamped to [min, max];
 * - integer: round(x·f), clamped, moving at least one step in f's direction when rounding would
 *   leave it unchanged (2 · 1.2 = 2.4 → 3, 2 · 0.8 = 1.6 → 1);
 * - choice: step to index ±1; at an end the only neighbour (a one-value list stays put).
 * A value that cannot be moved (not a finite number, not in the choice list) is resampled.
 * Hypers outside `space` are copied unchanged. Rng draws per name: one to decide resample, then
 * one for the value (resample), the factor (perturb) or the direction (neighbour).
 */
export function explore(
  hypers: Hypers,
  space: HyperSpace,
  options: PbtOptions,
  rng: Rng,
): { hypers: Hypers; explored: Exploration[] } {
  const out: Record<string, HyperValue> = { ...hypers };
  const explored: Exploration[] = [];
  for (const name of Object.keys(space).sort()) {
    const spec = space[name];
    const from = hypers[name];
    if (from === undefined) throw new RangeError(`explore: hyperparameter ${name} has no value`);
    const resample = rng.uniform() < options.resampleProbability;
    const moved = resample ? null : move(spec, from, options.perturbFactors, rng);
    const step = moved ?? { to: sampleValue(spec, rng), how: "resample" as const };
    out[name] = step.to;
    explored.push({ name, from, ...step });
  }
  return { hypers: out, explored };
}

/**
 * Replays a logged decision: the source's hypers with every exploration applied. Throws when the
 * source's current hypers differ from the logged `from` values (the log and the state disagree).
 */
export function replayDecision(sourceHypers: Hypers, decision: ExploitDecision): Hypers {
  const out: Record<string, HyperValue> = { ...sourceHypers };
  for (const e of decision.explored) {
    if (!sameValue(sourceHypers[e.name], e.from)) {
      throw new RangeError(
        `replay: ${decision.source}.${e.name} is ${hyperText(sourceHypers[e.name])}, log says ${hyperText(e.from)}`,
      );
    }
    out[e.name] = e.to;
  }
  return out;
}

/**
 * Perturb (continuous, integer) or step to a neighbour (choice); null, before drawing anything,
 * when `value` cannot be moved (not in the choice list, not a finite number).
 */
function move(
  spec: HyperSpec,
  value: HyperValue,
  factors: readonly [number, number],
  rng: Rng,
): { to: HyperValue; how: "perturb" | "neighbour" } | null {
  if (spec.kind === "choice") {
    const i = spec.values.findIndex((v) => sameValue(v, value));
    if (i < 0) return null;
    const dir = rng.int(2) === 0 ? -1 : 1;
    const last = spec.values.length - 1;
    const j = i + dir >= 0 && i + dir <= last ? i + dir : Math.min(last, Math.max(0, i - dir));
    return { to: spec.values[j], how: "neighbour" };
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const x = value;
  const f = factors[rng.int(2)];
  if (spec.kind === "continuous") return { to: clamp(x * f, spec.min, spec.max), how: "perturb" };
  let to = Math.round(x * f);
  if (to === Math.round(x)) to = Math.round(x) + Math.sign(x * f - x || f - 1);
  return { to: clamp(to, spec.min, spec.max), how: "perturb" };
}

function assertPbtOptions(o: PbtOptions): void {
  if (!(o.quantile > 0 && o.quantile <= 0.5)) {
    throw new RangeError(`pbt: quantile must be in (0, 0.5], got ${o.quantile}`);
  }
  if (!(o.resampleProbability >= 0 && o.resampleProbability <= 1)) {
    throw new RangeError(`pbt: resampleProbability must be in [0, 1], got ${o.resampleProbability}`);
  }
  if (o.perturbFactors.length !== 2 || !o.perturbFactors.every((f) => Number.isFinite(f) && f > 0)) {
    const got = o.perturbFactors.join(", ");
    throw new RangeError(`pbt: perturbFactors must be two positive numbers, got ${got}`);
  }
}
