import { describe, expect, it } from "vitest";
import { evolvesAt, fitness, lossesToTry, selectSurvivors } from "../../strategies/egan.ts";

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

describe("evolving every k iterations", () => {
  const M = ["minimax", "heuristic", "least-squares"] as const;

  it("evolves on multiples of k (0-based), and in between each parent tries only its lineage's loss", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((it) => evolvesAt(it, 3, ["heuristic"], M))).toEqual([true, false, false, true, false, false, true]);
    expect(lossesToTry(0, 3, 2, ["heuristic", "minimax"], M)).toEqual([[...M], [...M]]);
    expect(lossesToTry(4, 3, 2, ["heuristic", "minimax"], M)).toEqual([["heuristic"], ["minimax"]]);
  });

  it("k = 1 is the paper's E-GAN: every iteration evolves", () => {
    expect([0, 1, 2, 7].every((it) => evolvesAt(it, 1, ["heuristic"], M))).toBe(true);
  });

  it("evolves whenever a parent has no loss from the set: a fresh trainer, an old checkpoint, a PBT copy whose set changed", () => {
    expect(lossesToTry(5, 3, 1, [], M)).toEqual([[...M]]);
    expect(lossesToTry(5, 3, 2, ["heuristic"], M)).toEqual([[...M], [...M]]);
    expect(lossesToTry(5, 3, 1, ["hinge"], M)).toEqual([[...M]]);
  });
});
