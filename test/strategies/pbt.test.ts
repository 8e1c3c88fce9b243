import { describe, expect, it } from "vitest";
import {
  DEFAULT_PBT_OPTIONS,
  explore,
  pbtPlan,
  replayDecision,
  type HyperSpace,
  type Hypers,
  type MemberStanding,
  type PbtOptions,
} from "../../strategies/pbt.ts";
import { Rng } from "../../src/util/rng.ts";

const LR: HyperSpace = { lr: { kind: "continuous", min: 1e-5, max: 1, log: true } };
const noResample: PbtOptions = { ...DEFAULT_PBT_OPTIONS, resampleProbability: 0 };

/** Members m1..mN with the given fitnesses, each with a checkpoint unless listed. */
function population(
  fitness: readonly number[],
  hypers: (i: number) => Hypers = (i) => ({ lr: 0.001 * (i + 1), arch: "dcgan" }),
  noCheckpoint: readonly string[] = [],
): MemberStanding[] {
  return fitness.map((f, i) => ({
    id: `m${i + 1}`,
    fitness: f,
    hypers: hypers(i),
    hasCheckpoint: !noCheckpoint.includes(`m${i + 1}`),
  }));
}

describe("PBT exploit: who copies whom", () => {
  it("8 members with fitness 8..1 and quantile 0.25: the worst two copy from the best two, exactly as the Rng stream says", () => {
    const members = population([8, 7, 6, 5, 4, 3, 2, 1]);
    const plan = pbtPlan(members, LR, noResample, new Rng(42, 7));
    expect(plan.ranking).toEqual(["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]);

    // The documented stream, replayed by hand: per target (ranking order) one int(|top|) for the
    // source, then per space name one uniform() for "resample?" (never, p = 0) and one int(2)
    // for the factor.
    const r = new Rng(42, 7);
    const top = ["m1", "m2"];
    const expected = ["m7", "m8"].map((target) => {
      const source = top[r.int(2)];
      r.uniform();
      const f = [0.8, 1.2][r.int(2)];
      const from = members.find((m) => m.id === source)!.hypers.lr as number;
      return { target, source, lr: from * f, from };
    });
    expect(plan.decisions.map((d) => d.target)).toEqual(["m7", "m8"]);
    plan.decisions.forEach((d, i) => {
      expect(d.source).toBe(expected[i].source);
      expect(d.reason).toBe("bottom-quantile");
      expect(d.oldHypers).toEqual(members.find((m) => m.id === d.target)!.hypers);
      expect(d.newHypers).toEqual({ lr: expected[i].lr, arch: "dcgan" });
      expect(d.explored).toEqual([{ name: "lr", from: expected[i].from, to: expected[i].lr, how: "perturb" }]);
    });
  });

  it("draws sources uniformly from the top set (both top members are used across seeds)", () => {
    const members = population([8, 7, 6, 5, 4, 3, 2, 1]);
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 2000; seed++) {
      for (const d of pbtPlan(members, LR, DEFAULT_PBT_OPTIONS, new Rng(seed)).decisions) {
        counts.set(d.source, (counts.get(d.source) ?? 0) + 1);
      }
    }
    expect([...counts.keys()].sort()).toEqual(["m1", "m2"]);
    expect(counts.get("m1")! / 4000).toBeGreaterThan(0.45);
    expect(counts.get("m1")! / 4000).toBeLessThan(0.55);
  });

  it("k = max(1, ⌊n·quantile⌋): 3 members at 0.25 still replace one, 10 at 0.5 replace five", () => {
    expect(pbtPlan(population([3, 2, 1]), LR, DEFAULT_PBT_OPTIONS, new Rng(1)).decisions.map((d) => d.target)).toEqual(["m3"]);
    const ten = pbtPlan(population([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), LR, { ...DEFAULT_PBT_OPTIONS, quantile: 0.5 }, new Rng(1));
    expect(ten.decisions.map((d) => d.target)).toEqual(["m6", "m7", "m8", "m9", "m10"]);
    for (const d of ten.decisions) expect(["m1", "m2", "m3", "m4", "m5"]).toContain(d.source);
  });

  it("ranks by fitness, breaking ties by the order members were given", () => {
    const plan = pbtPlan(population([1, 5, 1, 5, NaN, -Infinity, 3]), LR, DEFAULT_PBT_OPTIONS, new Rng(3));
    expect(plan.ranking).toEqual(["m2", "m4", "m7", "m1", "m3", "m5", "m6"]);
  });

  it("copies hyperparameters outside the space unchanged from the source", () => {
    const members = population([2, 1], (i) => ({ lr: 0.01, arch: i === 0 ? "resnet" : "dcgan", ema: i === 0 }));
    const [d] = pbtPlan(members, LR, DEFAULT_PBT_OPTIONS, new Rng(5)).decisions;
    expect(d.newHypers.arch).toBe("resnet");
    expect(d.newHypers.ema).toBe(true);
    expect(d.explored.map((e) => e.name)).toEqual(["lr"]);
  });

  it("rejects a quantile outside (0, 0.5]", () => {
    const members = population([2, 1]);
    expect(() => pbtPlan(members, LR, { ...DEFAULT_PBT_OPTIONS, quantile: 0.6 }, new Rng(1))).toThrow(/quantile/);
    expect(() => pbtPlan(members, LR, { ...DEFAULT_PBT_OPTIONS, quantile: 0 }, new Rng(1))).toThrow(/quantile/);
  });
});

describe("PBT on a toy fitness: fitness = −|lr − 0.01|", () => {
  const space: HyperSpace = { lr: { kind: "continuous", min: 1e-4, max: 1, log: true } };
  const distance = (lr: number) => Math.abs(lr - 0.01);

  /** 5 generations; exploited members take their source's hypers (the toy has no weights). */
  function simulate(seed: number) {
    const init = new Rng(seed, 0);
    // Everyone starts far above the optimum, in [0.05, 0.5] log-uniformly.
    let lrs = Array.from({ length: 8 }, () => Math.exp(Math.log(0.05) + Math.log(10) * init.uniform()));
    const best = [Math.min(...lrs.map(distance))];
    const mean = [lrs.reduce((s, lr) => s + distance(lr), 0) / lrs.length];
    for (let gen = 1; gen <= 5; gen++) {
      const members = lrs.map((lr, i) => ({ id: `m${i}`, fitness: -distance(lr), hypers: { lr }, hasCheckpoint: true }));
      const plan = pbtPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(seed, gen));
      const next = [...lrs];
      for (const d of plan.decisions) next[Number(d.target.slice(1))] = d.newHypers.lr as number;
      lrs = next;
      best.push(Math.min(...lrs.map(distance)));
      mean.push(lrs.reduce((s, lr) => s + distance(lr), 0) / lrs.length);
    }
    return { best, mean };
  }

  it("the population's best lr approaches 0.01 and never gets worse", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { best, mean } = simulate(seed);
      for (let g = 1; g < best.length; g++) expect(best[g]).toBeLessThanOrEqual(best[g - 1]);
      expect(best[5]).toBeLessThan(best[0]);
      expect(mean[5]).toBeLessThan(mean[0]);
    }
  });
});

describe("PBT explore", () => {
  const seeds = Array.from({ length: 200 }, (_, s) => new Rng(s));

  it("perturbs a continuous value by exactly ×0.8 or ×1.2, clamped to [min, max]", () => {
    const space: HyperSpace = { x: { kind: "continuous", min: 0, max: 1 } };
    const seen = new Set<number>();
    for (const rng of seeds) {
      const { hypers, explored } = explore({ x: 0.5 }, space, noResample, rng);
      expect(explored[0].how).toBe("perturb");
      expect([0.5 * 0.8, 0.5 * 1.2]).toContain(hypers.x);
      seen.add(hypers.x as number);
      const high = explore({ x: 0.95 }, space, noResample, rng).hypers.x;
      expect([0.95 * 0.8, 1]).toContain(high);
    }
    expect(seen.size).toBe(2);
  });

  it("uses the configured perturbation factors", () => {
    const space: HyperSpace = { x: { kind: "continuous", min: 0, max: 10 } };
    for (const rng of seeds.slice(0, 50)) {
      const to = explore({ x: 1 }, space, { ...noResample, perturbFactors: [0.5, 2] }, rng).hypers.x;
      expect([0.5, 2]).toContain(to);
    }
  });

  it("moves an integer at least one step, rounded and clamped", () => {
    const space: HyperSpace = { n: { kind: "integer", min: 1, max: 10 } };
    const cases: [number, number[]][] = [
      [2, [1, 3]], // 1.6 and 2.4 both round back to 2: one step each way
      [5, [4, 6]],
      [10, [8, 10]], // 12 clamps to 10
      [1, [1, 2]], // 0.8 → 1 unchanged → 0, clamped back to 1
    ];
    for (const [from, allowed] of cases) {
      const seen = new Set<number>();
      for (const rng of seeds) {
        const to = explore({ n: from }, space, noResample, rng).hypers.n as number;
        expect(Number.isInteger(to)).toBe(true);
        expect(allowed).toContain(to);
        seen.add(to);
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(allowed);
    }
  });

  it("steps a choice to a neighbour in the list; at an end to the only neighbour", () => {
    const space: HyperSpace = { loss: { kind: "choice", values: ["a", "b", "c", "d"] } };
    const seen = new Set<string>();
    for (const rng of seeds) {
      const mid = explore({ loss: "b" }, space, noResample, rng);
      expect(mid.explored[0].how).toBe("neighbour");
      expect(["a", "c"]).toContain(mid.hypers.loss);
      seen.add(mid.hypers.loss as string);
      expect(explore({ loss: "a" }, space, noResample, rng).hypers.loss).toBe("b");
      expect(explore({ loss: "d" }, space, noResample, rng).hypers.loss).toBe("c");
    }
    expect(seen.size).toBe(2);
    const single: HyperSpace = { ema: { kind: "choice", values: [true] } };
    expect(explore({ ema: true }, single, noResample, new Rng(1)).hypers.ema).toBe(true);
  });

  it("resamples a value that is not in its choice list, even with resample probability 0", () => {
    const space: HyperSpace = { loss: { kind: "choice", values: ["a", "b"] } };
    for (const rng of seeds.slice(0, 50)) {
      const { hypers, explored } = explore({ loss: "zzz" }, space, noResample, rng);
      expect(explored[0].how).toBe("resample");
      expect(["a", "b"]).toContain(hypers.loss);
    }
  });

  it("resamples within range: uniform, log-uniform, integer, choice", () => {
    const space: HyperSpace = {
      lr: { kind: "continuous", min: 1e-4, max: 1e-1, log: true },
      beta: { kind: "continuous", min: 0.2, max: 0.6 },
      nD: { kind: "integer", min: 1, max: 3 },
      loss: { kind: "choice", values: ["hinge", "minimax"] },
    };
    const always: PbtOptions = { ...DEFAULT_PBT_OPTIONS, resampleProbability: 1 };
    const rng = new Rng(11);
    const N = 10_000;
    let lrBelowLogMid = 0;
    let betaBelowMid = 0;
    const nDs = new Set<number>();
    let hinge = 0;
    for (let i = 0; i < N; i++) {
      const { hypers, explored } = explore({ lr: 0.01, beta: 0.5, nD: 2, loss: "hinge" }, space, always, rng);
      expect(explored.every((e) => e.how === "resample")).toBe(true);
      const lr = hypers.lr as number;
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThanOrEqual(1e-1);
      if (lr < 10 ** -2.5) lrBelowLogMid++; // log-uniform: half the mass below the log-midpoint
      const beta = hypers.beta as number;
      expect(beta).toBeGreaterThanOrEqual(0.2);
      expect(beta).toBeLessThan(0.6);
      if (beta < 0.4) betaBelowMid++;
      nDs.add(hypers.nD as number);
      if (hypers.loss === "hinge") hinge++;
    }
    expect(Math.abs(lrBelowLogMid / N - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(betaBelowMid / N - 0.5)).toBeLessThan(0.03);
    expect([...nDs].sort()).toEqual([1, 2, 3]);
    expect(Math.abs(hinge / N - 0.5)).toBeLessThan(0.03);
  });

  it("resamples with the configured probability (10,000 draws within ±3%)", () => {
    const space: HyperSpace = { x: { kind: "continuous", min: 0, max: 1 } };
    for (const p of [0, 0.25, 0.7, 1]) {
      const rng = new Rng(99);
      const options = { ...DEFAULT_PBT_OPTIONS, resampleProbability: p };
      let resampled = 0;
      for (let i = 0; i < 10_000; i++) {
        if (explore({ x: 0.5 }, space, options, rng).explored[0].how === "resample") resampled++;
      }
      expect(Math.abs(resampled / 10_000 - p)).toBeLessThanOrEqual(0.03);
    }
  });

  it("draws in sorted name order, so the order keys were written in does not matter", () => {
    const a: HyperSpace = { lr: LR.lr, nD: { kind: "integer", min: 1, max: 5 } };
    const b: HyperSpace = { nD: { kind: "integer", min: 1, max: 5 }, lr: LR.lr };
    const members = population([4, 3, 2, 1], (i) => ({ lr: 0.01 * (i + 1), nD: i + 1 }));
    expect(pbtPlan(members, a, DEFAULT_PBT_OPTIONS, new Rng(8))).toEqual(pbtPlan(members, b, DEFAULT_PBT_OPTIONS, new Rng(8)));
  });
});

describe("PBT with diverged and checkpoint-less members", () => {
  it("replaces every diverged member, even outside the bottom quantile, and never copies from one", () => {
    // k = 2, but three members diverged: all three are targets, no healthy member is.
    const members = population([NaN, 5, -Infinity, 4, 3, NaN, 2, 1]);
    for (let seed = 0; seed < 200; seed++) {
      const plan = pbtPlan(members, LR, DEFAULT_PBT_OPTIONS, new Rng(seed));
      expect(plan.decisions.map((d) => [d.target, d.reason])).toEqual([
        ["m1", "diverged"],
        ["m3", "diverged"],
        ["m6", "diverged"],
      ]);
      for (const d of plan.decisions) expect(["m2", "m4"]).toContain(d.source);
    }
  });

  it("with fewer diverged members than k, fills the rest of the bottom quantile with the worst healthy", () => {
    const plan = pbtPlan(population([8, 7, 6, NaN, 4, 3, 2, 1]), LR, DEFAULT_PBT_OPTIONS, new Rng(2));
    expect(plan.decisions.map((d) => [d.target, d.reason])).toEqual([
      ["m8", "bottom-quantile"],
      ["m4", "diverged"],
    ]);
  });

  it("never copies from a diverged member, even one with a checkpoint when healthy ones lack it", () => {
    // n = 4, k = 1: m1 is diverged (but checkpointed), m2 has no checkpoint: only m3 can be a source.
    const members = population([NaN, 9, 5, 1], undefined, ["m2"]);
    for (let seed = 0; seed < 100; seed++) {
      const plan = pbtPlan(members, LR, DEFAULT_PBT_OPTIONS, new Rng(seed));
      expect(plan.decisions.map((d) => [d.target, d.source])).toEqual([["m1", "m3"]]);
    }
  });

  it("never copies from a member without a checkpoint; the next best take its place", () => {
    const members = population([8, 7, 6, 5, 4, 3, 2, 1], undefined, ["m1", "m2"]);
    const sources = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      for (const d of pbtPlan(members, LR, DEFAULT_PBT_OPTIONS, new Rng(seed)).decisions) sources.add(d.source);
    }
    expect([...sources].sort()).toEqual(["m3", "m4"]);
  });

  it("makes no decisions with one member, even a diverged one", () => {
    expect(pbtPlan(population([1]), LR, DEFAULT_PBT_OPTIONS, new Rng(1))).toEqual({ ranking: ["m1"], decisions: [] });
    expect(pbtPlan(population([NaN]), LR, DEFAULT_PBT_OPTIONS, new Rng(1)).decisions).toEqual([]);
    expect(pbtPlan([], LR, DEFAULT_PBT_OPTIONS, new Rng(1))).toEqual({ ranking: [], decisions: [] });
  });

  it("makes no decisions when every member diverged (there is nothing to copy)", () => {
    const plan = pbtPlan(population([NaN, -Infinity, NaN, NaN]), LR, DEFAULT_PBT_OPTIONS, new Rng(1));
    expect(plan.decisions).toEqual([]);
    expect(plan.ranking).toEqual(["m1", "m2", "m3", "m4"]);
  });

  it("makes no decisions when no non-target member has a checkpoint yet", () => {
    expect(pbtPlan(population([2, 1], undefined, ["m1"]), LR, DEFAULT_PBT_OPTIONS, new Rng(1)).decisions).toEqual([]);
  });
});

describe("PBT determinism and replay", () => {
  const space: HyperSpace = {
    lr: { kind: "continuous", min: 1e-5, max: 1e-1, log: true },
    nD: { kind: "integer", min: 1, max: 5 },
    loss: { kind: "choice", values: ["minimax", "heuristic", "least-squares", "hinge"] },
  };
  const members = population([0.9, NaN, 0.7, 0.1, 0.4, 0.8, -Infinity, 0.3, 0.2, 0.5], (i) => ({
    lr: 1e-4 * (i + 1),
    nD: 1 + (i % 5),
    loss: ["minimax", "heuristic", "least-squares", "hinge"][i % 4],
    arch: "dcgan",
  }));

  it("gives an identical plan for the same inputs and seed, and a different one for another seed", () => {
    const a = pbtPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(123, 4));
    const b = pbtPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(123, 4));
    expect(a).toEqual(b);
    const others = [1, 2, 3].map((s) => pbtPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(s)));
    expect(others.some((o) => JSON.stringify(o) !== JSON.stringify(a))).toBe(true);
  });

  it("a logged plan (JSON round trip) replayed on the sources' hypers reproduces the new hypers", () => {
    for (let seed = 0; seed < 50; seed++) {
      const plan = pbtPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(seed));
      expect(plan.decisions.length).toBeGreaterThan(0);
      const logged: typeof plan = JSON.parse(JSON.stringify(plan));
      expect(logged).toEqual(plan);
      for (const d of logged.decisions) {
        const source = members.find((m) => m.id === d.source)!;
        expect(replayDecision(source.hypers, d)).toEqual(d.newHypers);
      }
    }
  });

  it("refuses to replay onto hypers that differ from the log", () => {
    const [d] = pbtPlan(members, space, DEFAULT_PBT_OPTIONS, new Rng(1)).decisions;
    const source = members.find((m) => m.id === d.source)!;
    expect(() => replayDecision({ ...source.hypers, nD: 99 }, d)).toThrow(/nD/);
  });
});
