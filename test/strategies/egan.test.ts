import { describe, expect, it } from "vitest";
import { evolvesAt, fitness, lossesToTry, selectPareto, selectSurvivors, survivorsOf } from "../../strategies/egan.ts";

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

describe("Pareto selection on (Fq, Fd)", () => {
  // Fronts: {A, B, D} (none dominates another), then {C} (B dominates it). Ranks by Fq (how many
  // are strictly better): D 0, A 1, B 2, C 3; by Fd: B 0, C 1, A 2, D 3. Rank sums: B 2, A 3, D 3, C 4.
  const withF = (gamma: number, scaleFd = 1) =>
    [
      { Fq: 0.9, Fd: -5 }, // A
      { Fq: 0.5, Fd: -1 }, // B
      { Fq: 0.4, Fd: -3 }, // C
      { Fq: 0.95, Fd: -6 }, // D
    ].map((c) => ({ Fq: c.Fq, Fd: c.Fd * scaleFd, F: fitness(c.Fq, c.Fd * scaleFd, gamma) }));

  it("fills front by front, within a front by rank sum, ties to the higher Fq", () => {
    expect(selectPareto(withF(0.05), 1)).toEqual([1]);
    expect(selectPareto(withF(0.05), 2)).toEqual([1, 3]);
    expect(selectPareto(withF(0.05), 4)).toEqual([1, 3, 0, 2]);
  });

  it("needs no γ: the same survivors for any γ and any rescaling of Fd, where the sum's choice moves with γ", () => {
    expect(survivorsOf(withF(0.05), 1, "sum")).toEqual([0]);
    expect(survivorsOf(withF(1), 1, "sum")).toEqual([1]);
    for (const [gamma, scale] of [[0.05, 1], [1, 1], [0, 1000], [2, 0.001]]) expect(survivorsOf(withF(gamma, scale), 2, "pareto")).toEqual([1, 3]);
  });

  it("never selects a child with a NaN part; all NaN selects none", () => {
    const cs = withF(0.05);
    cs[1] = { Fq: 0.5, Fd: NaN, F: NaN };
    expect(selectPareto(cs, 1)).toEqual([3]);
    expect(selectPareto([{ Fq: NaN, Fd: 1, F: NaN }], 1)).toEqual([]);
  });
});
