// Random search: Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization" (JMLR 2012).
// Each member draws its hyperparameters once (`sampleHypers`) and is never exploited, so this is
// the PBT baseline of Jaderberg et al. 2017 ("Population Based Training of Neural Networks", §4)
// and Ray Tune's plain `tune.run` sweep. Grid sweeps come from the orchestrator choosing the
// initial hypers. The search-space vocabulary is strategies/search-space.ts. Pure: no tfjs, no Effect, no I/O; randomness only from Rng.

import type { Rng } from "../src/util/rng.ts";
import { assertHyperSpace, rankMembers, type HyperSpace, type MemberStanding, type PbtOptions, type PbtPlan } from "./search-space.ts";

/** Random search never exploits: the plan is the ranking (for the logs) and no decisions. */
export function randomSearchPlan(
  members: readonly MemberStanding[],
  space: HyperSpace,
  _options: PbtOptions,
  _rng: Rng,
): PbtPlan {
  assertHyperSpace(space);
  return { ranking: rankMembers(members), decisions: [] };
}

/** The registry's uniform name for a strategy's planner (see strategies/index.ts). */
export const plan = randomSearchPlan;
