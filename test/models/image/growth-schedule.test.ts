// The growth schedule: stage and α at the boundaries and mid-fade, the last stage holding α = 1,
// zero-length phases, and that (stage, α) is a function of the iteration count alone.
import { describe, expect, it } from "vitest";
import { checkGrowthSchedule, evenSchedule, fullyGrownAt, growthAt, stageCount, stageStart, type GrowthSchedule } from "../../../src/models/image/growth-schedule.ts";

// Stage 0 for 100 iterations; stage 1 fades in over 40 and holds 60; stage 2 fades in over 20.
const s: GrowthSchedule = { hold: [100, 60], fade: [40, 20] };

describe("growthAt", () => {
  it("stage 0 at α = 1 until hold[0] is done", () => {
    expect(growthAt(s, 0)).toEqual({ stage: 0, alpha: 1 });
    expect(growthAt(s, 99)).toEqual({ stage: 0, alpha: 1 });
  });

  it("stage 1 fades in from α = 0 at t = 100, linearly: 0.25 at 110, 0.5 at 120, 39/40 at 139", () => {
    expect(growthAt(s, 100)).toEqual({ stage: 1, alpha: 0 });
    expect(growthAt(s, 110)).toEqual({ stage: 1, alpha: 0.25 });
    expect(growthAt(s, 120)).toEqual({ stage: 1, alpha: 0.5 });
    expect(growthAt(s, 139)).toEqual({ stage: 1, alpha: 39 / 40 });
  });

  it("stage 1 holds α = 1 from t = 140 to 199; stage 2 starts fading at 200 (T_2 = 100 + 40 + 60)", () => {
    expect(growthAt(s, 140)).toEqual({ stage: 1, alpha: 1 });
    expect(growthAt(s, 199)).toEqual({ stage: 1, alpha: 1 });
    expect(growthAt(s, 200)).toEqual({ stage: 2, alpha: 0 });
    expect(growthAt(s, 215)).toEqual({ stage: 2, alpha: 0.75 });
  });

  it("the last stage holds α = 1 forever once faded in", () => {
    for (const t of [220, 221, 1000, 10 ** 9]) expect(growthAt(s, t)).toEqual({ stage: 2, alpha: 1 });
  });

  it("α never decreases and the stage never goes back, iteration by iteration", () => {
    let prev = growthAt(s, 0);
    for (let t = 1; t < 300; t++) {
      const g = growthAt(s, t);
      expect(g.stage * 2 + g.alpha).toBeGreaterThanOrEqual(prev.stage * 2 + prev.alpha);
      expect(g.alpha).toBeGreaterThanOrEqual(0);
      expect(g.alpha).toBeLessThanOrEqual(1);
      prev = g;
    }
  });

  it("a zero fade switches at once; a zero hold grows at once; one stage is always (0, 1)", () => {
    const z: GrowthSchedule = { hold: [0, 5], fade: [0, 10] };
    expect(growthAt(z, 0)).toEqual({ stage: 1, alpha: 1 });
    expect(growthAt(z, 4)).toEqual({ stage: 1, alpha: 1 });
    expect(growthAt(z, 5)).toEqual({ stage: 2, alpha: 0 });
    expect(growthAt({ hold: [], fade: [] }, 7)).toEqual({ stage: 0, alpha: 1 });
  });

  it("is a function of the iteration alone: a resumed or copied member lands where its own schedule says", () => {
    // A PBT copy continues on the copier's iteration count (200 here) under the copying member's
    // schedule; a longer stage 1 keeps it there at α = 1, a shorter one has it fading into stage 2.
    expect(growthAt({ hold: [100, 80], fade: [40, 20] }, 200)).toEqual({ stage: 1, alpha: 1 });
    expect(growthAt({ hold: [100, 50], fade: [40, 20] }, 200)).toEqual({ stage: 2, alpha: 0.5 });
  });

  it("rejects a negative or fractional iteration", () => {
    expect(() => growthAt(s, -1)).toThrow(/non-negative integer/);
    expect(() => growthAt(s, 1.5)).toThrow(/non-negative integer/);
  });
});

describe("schedule helpers", () => {
  it("stageCount, stageStart and fullyGrownAt follow T_1 = hold[0], T_{k+1} = T_k + fade[k−1] + hold[k]", () => {
    expect(stageCount(s)).toBe(3);
    expect([0, 1, 2].map((k) => stageStart(s, k))).toEqual([0, 100, 200]);
    expect(fullyGrownAt(s)).toBe(220);
    expect(fullyGrownAt({ hold: [], fade: [] })).toBe(0);
    for (const k of [1, 2]) expect(growthAt(s, stageStart(s, k))).toEqual({ stage: k, alpha: 0 });
    expect(growthAt(s, fullyGrownAt(s) - 1).alpha).toBeLessThan(1);
  });

  it("evenSchedule gives the paper's equal fade and hold phases", () => {
    expect(evenSchedule(3, 500)).toEqual({ hold: [500, 500], fade: [500, 500] });
    expect(fullyGrownAt(evenSchedule(3, 500))).toBe(2000);
  });

  it("checkGrowthSchedule names the bad entry", () => {
    expect(() => checkGrowthSchedule(s, 3)).not.toThrow();
    expect(() => checkGrowthSchedule(s, 4)).toThrow(/3 stages, the model has 4/);
    expect(() => checkGrowthSchedule({ hold: [1, 2], fade: [1] })).toThrow(/hold has 2 entries, fade 1/);
    expect(() => checkGrowthSchedule({ hold: [1, -2], fade: [1, 1] })).toThrow(/hold\[1\] must be a non-negative integer, got -2/);
    expect(() => checkGrowthSchedule({ hold: [1, 2], fade: [0.5, 1] })).toThrow(/fade\[0\]/);
  });
});
