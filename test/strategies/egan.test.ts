import { describe, expect, it } from "vitest";
import { fitness, selectSurvivors } from "../../strategies/egan.ts";

describe("E-GAN selection", () => {
  it("keeps the best μ children, best first, and never the parents (only children are ranked)", () => {
    expect(selectSurvivors([0.1, 0.9, 0.5], 1)).toEqual([1]);
    expect(selectSurvivors([0.1, 0.9, 0.5, 0.7], 2)).toEqual([1, 3]);
  });

  it("drops NaN children from selection, even below −Infinity", () => {
    expect(selectSurvivors([NaN, 0.2, NaN], 1)).toEqual([1]);
    expect(selectSurvivors([NaN, -Infinity], 1)).toEqual([1]);
    expect(selectSurvivors([NaN, 0.3, NaN, 0.1], 3)).toEqual([1, 3]);
  });

  it("returns nothing when every child is NaN (the trainer reports divergence)", () => {
    expect(selectSurvivors([NaN, NaN, NaN], 1)).toEqual([]);
  });

  it("breaks ties deterministically towards the lower index", () => {
    expect(selectSurvivors([0.5, 0.5, 0.5], 1)).toEqual([0]);
    expect(selectSurvivors([0.2, 0.5, 0.5, 0.5], 2)).toEqual([1, 2]);
  });

  it("F = Fq + γ·Fd, and a NaN part makes F NaN", () => {
    expect(fitness(0.5, -2, 0.25)).toBe(0);
    expect(fitness(NaN, 1, 1)).toBeNaN();
    expect(fitness(0.4, NaN, 0)).toBeNaN();
  });
});
