// Population parameter averaging: every member trains on its own batches and noise for a segment,
// then all healthy members are replaced by their elementwise mean (generators, Adam moments,
// discriminator, EMA copy). This is "PAPA-all" of Jolicoeur-Martineau et al., "PopulAtion
// Parameter Averaging (PAPA)" (TMLR 2024), and local SGD with periodic averaging (Stich, "Local
// SGD Converges Fast and Communicates Little", ICLR 2019; Lin et al., "Don't Use Large
// Mini-Batches, Use Local SGD", ICLR 2020): n members averaged every K iterations train one
// lineage on about n times the data per iteration, so a population of n on n cores pools its
// compute instead of only choosing among its members.
//
// A diverged member cannot join the mean; it copies the best healthy member (as PBT's diverged
// targets do, taking that member's hypers unexplored) and joins the mean from the next ready
// point on. Members keep their own hyperparameters: nothing is explored.
// Pure: no tfjs, no Effect, no I/O; no randomness is drawn.

import type { Rng } from "../src/util/rng.ts";
import { assertHyperSpace, isDiverged, rankMembers, type ExploitDecision, type HyperSpace, type MemberStanding, type PbtOptions, type PbtPlan } from "./search-space.ts";

/**
 * The plan for one ready point: `average` lists every healthy member with a checkpoint, best
 * first (the mean is taken over them and written into each); every diverged member copies the
 * best of them. No averaging with fewer than two (a mean of one is that member).
 */
export function averagePlan(members: readonly MemberStanding[], space: HyperSpace, _options: PbtOptions, _rng: Rng): PbtPlan {
  assertHyperSpace(space);
  const ranking = rankMembers(members);
  const byId = new Map(members.map((m) => [m.id, m]));
  const healthy = ranking.filter((id) => !isDiverged(byId.get(id)!.fitness) && byId.get(id)!.hasCheckpoint);
  if (healthy.length === 0) return { ranking, decisions: [] };
  const best = byId.get(healthy[0])!;
  const decisions = ranking
    .filter((id) => isDiverged(byId.get(id)!.fitness))
    .map((target): ExploitDecision => ({
      target,
      source: best.id,
      reason: "diverged",
      oldHypers: byId.get(target)!.hypers,
      newHypers: best.hypers,
      explored: [],
    }));
  return healthy.length >= 2 ? { ranking, decisions, average: healthy } : { ranking, decisions };
}

/** The registry's uniform name for a strategy's planner (see strategies/index.ts). */
export const plan = averagePlan;
