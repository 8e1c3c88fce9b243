// Every registered strategy that plans population steps (a `plan(members, space, options, rng)`)
// goes through the same checks on many random populations, diverged and checkpoint-less members
// included.
import { describe, expect, it } from "vitest";
import { strategies } from "../../strategies/index.ts";
import { DEFAULT_PBT_OPTIONS, replayDecision, type HyperSpace, type MemberStanding } from "../../strategies/pbt.ts";
import { Rng } from "../../src/util/rng.ts";

const planners = Object.entries(strategies).flatMap(([name, s]) => ("plan" in s ? [{ name, plan: s.plan }] : []));

const space: HyperSpace = {
  lr: { kind: "continuous", min: 1e-5, max: 1e-2, log: true },
  nD: { kind: "integer", min: 1, max: 5 },
  loss: { kind: "choice", values: ["minimax", "heuristic", "least-squares", "hinge"] },
};

/** A random population of 0..12 members: some diverged (NaN, −∞), some without a checkpoint. */
function randomPopulation(rng: Rng): MemberStanding[] {
  const n = rng.int(13);
  return Array.from({ length: n }, (_, i) => {
    const u = rng.uniform();
    const fitness = u < 0.15 ? NaN : u < 0.25 ? -Infinity : u < 0.35 ? 0 : rng.normal();
    return {
      id: `member-${i}`,
      fitness,
      hypers: { lr: 1e-4 * (1 + rng.int(50)), nD: 1 + rng.int(5), loss: "hinge", arch: "dcgan" },
      hasCheckpoint: rng.uniform() < 0.8,
    };
  });
}

const diverged = (f: number) => Number.isNaN(f) || f === -Infinity;

describe("strategy contract", () => {
  it("the registry keeps egan and lists the population planners", () => {
    expect(Object.keys(strategies)).toContain("egan");
    expect(planners.map((p) => p.name).sort()).toEqual(["average", "pbt", "random-search"]);
  });

  for (const { name, plan } of planners) {
    describe(name, () => {
      it("ranks a permutation of the member ids; decisions target and copy members, never the same one, never a diverged or checkpoint-less source; a mean is only of healthy members", () => {
        const gen = new Rng(2024);
        for (let trial = 0; trial < 500; trial++) {
          const members = randomPopulation(gen);
          const byId = new Map(members.map((m) => [m.id, m]));
          const result = plan(members, space, DEFAULT_PBT_OPTIONS, new Rng(trial));
          expect([...result.ranking].sort()).toEqual(members.map((m) => m.id).sort());
          const targets = new Set(result.decisions.map((d) => d.target));
          expect(targets.size).toBe(result.decisions.length);
          for (const d of result.decisions) {
            const source = byId.get(d.source);
            expect(byId.has(d.target)).toBe(true);
            expect(source).toBeDefined();
            expect(d.target).not.toBe(d.source);
            expect(targets.has(d.source)).toBe(false);
            expect(diverged(source!.fitness)).toBe(false);
            expect(source!.hasCheckpoint).toBe(true);
            expect(d.oldHypers).toEqual(byId.get(d.target)!.hypers);
            expect(replayDecision(source!.hypers, d)).toEqual(d.newHypers);
          }
          // A mean is taken over distinct healthy members with checkpoints, none of them a target.
          const averaged = result.average ?? [];
          expect(new Set(averaged).size).toBe(averaged.length);
          expect(averaged.length === 0 || averaged.length >= 2).toBe(true);
          for (const id of averaged) {
            expect(diverged(byId.get(id)!.fitness)).toBe(false);
            expect(byId.get(id)!.hasCheckpoint).toBe(true);
            expect(targets.has(id)).toBe(false);
          }
        }
      });

      it("is deterministic: same inputs and seed, same plan", () => {
        const members = randomPopulation(new Rng(5, 5));
        const once = plan(members, space, DEFAULT_PBT_OPTIONS, new Rng(77));
        expect(plan(members, space, DEFAULT_PBT_OPTIONS, new Rng(77))).toEqual(once);
      });
    });
  }
});
