import { describe, expect, it } from "vitest";
import { averagePlan } from "../../strategies/average.ts";
import { DEFAULT_PBT_OPTIONS } from "../../strategies/pbt.ts";
import type { MemberStanding } from "../../strategies/search-space.ts";
import { Rng } from "../../src/util/rng.ts";

const member = (id: string, fitness: number, hasCheckpoint = true, lr = 1e-3): MemberStanding => ({ id, fitness, hypers: { lr }, hasCheckpoint });

describe("population parameter averaging (the average strategy)", () => {
  it("averages every healthy member with a checkpoint, best first, and copies nothing while none diverged", () => {
    const plan = averagePlan([member("a", -3), member("b", -1), member("c", -2)], {}, DEFAULT_PBT_OPTIONS, new Rng(1));
    expect(plan).toEqual({ ranking: ["b", "c", "a"], decisions: [], average: ["b", "c", "a"] });
  });

  it("a diverged member copies the best healthy one, hypers unexplored, and stays out of the mean", () => {
    const plan = averagePlan([member("a", NaN, true, 5e-4), member("b", -1, true, 2e-3), member("c", -2), member("d", -Infinity)], {}, DEFAULT_PBT_OPTIONS, new Rng(1));
    expect(plan.average).toEqual(["b", "c"]);
    expect(plan.decisions).toEqual([
      { target: "a", source: "b", reason: "diverged", oldHypers: { lr: 5e-4 }, newHypers: { lr: 2e-3 }, explored: [] },
      { target: "d", source: "b", reason: "diverged", oldHypers: { lr: 1e-3 }, newHypers: { lr: 2e-3 }, explored: [] },
    ]);
  });

  it("leaves a member without a checkpoint out of the mean, and takes no mean of fewer than two", () => {
    expect(averagePlan([member("a", -1), member("b", -2, false)], {}, DEFAULT_PBT_OPTIONS, new Rng(1))).toEqual({ ranking: ["a", "b"], decisions: [] });
    expect(averagePlan([member("a", NaN), member("b", NaN)], {}, DEFAULT_PBT_OPTIONS, new Rng(1))).toEqual({ ranking: ["a", "b"], decisions: [] });
  });
});
