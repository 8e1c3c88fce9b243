import { describe, expect, it } from "vitest";
import { randomSearchPlan } from "../../strategies/random-search.ts";
import { rankMembers, sampleHypers, validateHyperSpace, type HyperSpace } from "../../strategies/search-space.ts";
import { DEFAULT_PBT_OPTIONS } from "../../strategies/pbt.ts";
import { Rng } from "../../src/util/rng.ts";

const space: HyperSpace = {
  lr: { kind: "continuous", min: 1e-5, max: 1e-2, log: true },
  gamma: { kind: "continuous", min: 0, max: 1 },
  nD: { kind: "integer", min: 1, max: 4 },
  loss: { kind: "choice", values: ["minimax", "hinge"] },
};

describe("random search", () => {
  it("never exploits: the plan is the ranking and no decisions, even with diverged members", () => {
    const members = [
      { id: "a", fitness: NaN, hypers: {}, hasCheckpoint: true },
      { id: "b", fitness: 2, hypers: {}, hasCheckpoint: true },
      { id: "c", fitness: 1, hypers: {}, hasCheckpoint: true },
    ];
    expect(randomSearchPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(1))).toEqual({
      ranking: ["b", "c", "a"],
      decisions: [],
    });
  });

  it("draws initial hypers inside the space and keeps the base's other hypers", () => {
    const rng = new Rng(3);
    const nDs = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const h = sampleHypers(space, { arch: "dcgan", lr: 123 }, rng);
      expect(h.arch).toBe("dcgan");
      expect(h.lr as number).toBeGreaterThanOrEqual(1e-5);
      expect(h.lr as number).toBeLessThanOrEqual(1e-2);
      expect(h.gamma as number).toBeGreaterThanOrEqual(0);
      expect(h.gamma as number).toBeLessThan(1);
      expect(["minimax", "hinge"]).toContain(h.loss);
      nDs.add(h.nD as number);
      expect(validateHyperSpace(space, h)).toEqual([]);
    }
    expect([...nDs].sort()).toEqual([1, 2, 3, 4]);
  });

  it("draws the same hypers for the same seed", () => {
    expect(sampleHypers(space, {}, new Rng(9, 1))).toEqual(sampleHypers(space, {}, new Rng(9, 1)));
  });

  it("rejects an unusable space, naming the hyperparameter", () => {
    expect(validateHyperSpace({ lr: { kind: "continuous", min: 0, max: 1, log: true } })).toEqual([
      "lr: a log range needs min > 0, got 0",
    ]);
    expect(validateHyperSpace({ n: { kind: "integer", min: 3, max: 1 } })[0]).toMatch(/^n:/);
    expect(validateHyperSpace({ c: { kind: "choice", values: [] } })[0]).toMatch(/^c:/);
    expect(() => sampleHypers({ c: { kind: "choice", values: [] } }, {}, new Rng(1))).toThrow(/c:/);
  });

  it("ranks NaN and −∞ last, in the order given", () => {
    const m = (id: string, fitness: number) => ({ id, fitness, hypers: {}, hasCheckpoint: true });
    expect(rankMembers([m("a", -Infinity), m("b", NaN), m("c", -5), m("d", Infinity)])).toEqual(["d", "c", "a", "b"]);
  });
});
