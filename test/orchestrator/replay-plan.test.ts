// The replay's plan on sweep logs written here by hand (no training): the lineage through several
// copies, the copies' timelines when a member had diverged, a copy after the last generation of a
// budget-stopped sweep, the default member, and the log contradictions it refuses.
import { beforeAll, describe, expect, it } from "vitest";
import { loadSweepConfig, type SweepConfig } from "../../src/config/sweep-config.ts";
import { planReplay, type LoggedGeneration, type LoggedRecord, type SweepLog } from "../../src/orchestrator/replay-plan.ts";
import type { MemberState, SweepState } from "../../src/orchestrator/sweep-state.ts";
import type { ExploitDecision, Hypers } from "../../strategies/pbt.ts";

const CONFIG = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const K = 2;
let config: SweepConfig;

beforeAll(async () => {
  // Five generations planned, three done: a wall-clock budget stopped it after generation 3.
  config = await loadSweepConfig(CONFIG, ["generations=5", `segment.iterations=${K}`]);
});

const hp = (lr: number, gamma: number): Hypers => ({ "trainer.g.lr": lr, "trainer.gamma": gamma });
const H: Record<string, Hypers> = { m0: hp(1e-3, 0.5), m1: hp(2e-3, 0.25), m2: hp(5e-4, 1), m3: hp(3e-4, 1.5) };

/** A copy of `source` (with hypers `from`) into `target`: lr ×0.8, γ ×1.2, as explore logs it. */
function copy(target: string, source: string, from: Hypers, old: Hypers): ExploitDecision {
  const lr = from["trainer.g.lr"] as number;
  const gamma = from["trainer.gamma"] as number;
  return {
    target,
    source,
    reason: "bottom-quantile",
    oldHypers: old,
    newHypers: hp(lr * 0.8, gamma * 1.2),
    explored: [
      { name: "trainer.g.lr", from: lr, to: lr * 0.8, how: "perturb" },
      { name: "trainer.gamma", from: gamma, to: gamma * 1.2, how: "perturb" },
    ],
  };
}

const iterations = (from: number, to: number): LoggedRecord[] => Array.from({ length: to - from + 1 }, (_, i) => ({ type: "iteration", it: from + i }));
const segment = (from: number): LoggedRecord[] => [...iterations(from, from + K - 1), { type: "eval", it: from + K - 1 }];

/**
 * g0: all train; m3 copies m1. g1: m2 diverges after one iteration (its count stays 3); m2 copies
 * m3. g2: all train (m2 from iteration 4); m0 copies m2, and the budget ends the sweep: m0's final
 * state is m2's, copied, never trained again. m0's lineage: m1 (g0) → m3 (g1) → m2 (g2) → m0.
 */
function budgetStoppedLog(): SweepLog {
  const d0 = copy("m3", "m1", H.m1, H.m3);
  const h3 = d0.newHypers;
  const d1 = { ...copy("m2", "m3", h3, H.m2), reason: "diverged" as const };
  const h2 = d1.newHypers;
  const d2 = copy("m0", "m2", h2, H.m0);
  const standings = (hypers: Record<string, Hypers>, status: Record<string, string> = {}) => new Map(Object.entries(hypers).map(([id, h]) => [id, { id, hypers: h, status: status[id] ?? "active" }]));
  const generations: LoggedGeneration[] = [
    { g: 0, ranking: ["m1", "m0", "m2", "m3"], standings: standings(H), decisions: [d0], averaged: [] },
    { g: 1, ranking: ["m3", "m1", "m0", "m2"], standings: standings({ ...H, m3: h3 }, { m2: "diverged" }), decisions: [d1], averaged: [] },
    { g: 2, ranking: ["m2", "m1", "m3", "m0"], standings: standings({ ...H, m3: h3, m2: h2 }), decisions: [d2], averaged: [] },
  ];
  const member = (id: string, index: number, extra: Partial<MemberState>): MemberState => ({ id, index, slot: 0, seed: 1000 + index, hypers: H[id], status: "active", iterations: 3 * K, ...extra });
  const state: SweepState = {
    name: "s",
    backend: "wasm",
    status: "finished",
    generationsDone: 3,
    startedAt: "",
    updatedAt: "",
    members: [member("m0", 0, { hypers: d2.newHypers, plan: 1, iterations: 6 }), member("m1", 1, {}), member("m2", 2, { hypers: h2, plan: 1, iterations: 5 }), member("m3", 3, { hypers: h3, plan: 1 })],
  };
  const events = new Map<string, LoggedRecord[]>([
    ["m0", [...segment(1), ...segment(3), ...segment(5)]],
    ["m1", [...segment(1), ...segment(3), ...segment(5)]],
    ["m2", [...segment(1), ...iterations(3, 3), ...segment(4)]],
    ["m3", [...segment(1), ...segment(3), ...segment(5)]],
  ]);
  return { dir: "runs/s", config, state, generations, events };
}

describe("planReplay", () => {
  it("follows the lineage back through every copy, each segment with its trainer's seed, plan, hypers and records", () => {
    const log = budgetStoppedLog();
    const plan = planReplay(log, "m0");
    expect(plan.segments.map((s) => [s.g, s.member, s.seed, s.plan])).toEqual([
      [0, "m1", 1001, 1],
      [1, "m3", 1003, 1],
      [2, "m2", 1002, 1],
    ]);
    expect(plan.segments.map((s) => s.hypers)).toEqual([H.m1, log.generations[1].standings.get("m3")!.hypers, log.generations[2].standings.get("m2")!.hypers]);
    expect(plan.segments.map((s) => s.runConfig.trainer.gamma)).toEqual(plan.segments.map((s) => s.hypers["trainer.gamma"]));
    // m2's segment of generation 2 is its second evaluated one: iterations 4–5, after its diverged 3.
    expect(plan.segments.map((s) => s.records.map((r) => `${r.type}:${r.it}`))).toEqual([
      ["iteration:1", "iteration:2", "eval:2"],
      ["iteration:3", "iteration:4", "eval:4"],
      ["iteration:4", "iteration:5", "eval:5"],
    ]);
  });

  it("copies go on from the target's own count: where its next segment starts, or (after the last generation) where it ended", () => {
    const plan = planReplay(budgetStoppedLog(), "m0");
    expect(plan.segments.map((s) => s.copy && [s.copy.target, s.copy.it])).toEqual([
      ["m3", 2],
      ["m2", 3],
      ["m0", 6],
    ]);
    expect(plan.segments.map((s) => s.startIt)).toEqual([0, 2, 3]);
    // Each copy draws from its own stream.
    expect(new Set(plan.segments.map((s) => s.copy!.rng.join())).size).toBe(3);
    // m1's γ, explored at each of the three copies.
    expect(plan.finalConfig.trainer.gamma).toBe(0.25 * 1.2 * 1.2 * 1.2);
  });

  it("a member that was never copied is its own lineage", () => {
    const plan = planReplay(budgetStoppedLog(), "m1");
    expect(plan.segments.map((s) => [s.member, s.copy])).toEqual([
      ["m1", undefined],
      ["m1", undefined],
      ["m1", undefined],
    ]);
  });

  it("by default replays the first member of the last ranking that ended active", () => {
    const log = budgetStoppedLog();
    expect(planReplay(log)).toMatchObject({ member: "m2", chosen: true });
    const failed: SweepLog = { ...log, state: { ...log.state, members: log.state.members.map((m) => (m.id === "m2" ? { ...m, status: "failed" as const } : m)) } };
    expect(planReplay(failed).member).toBe("m1");
  });

  it("refuses, naming what is wrong: no such member, an unfinished sweep, a failed member, a copy the standings contradict", () => {
    const log = budgetStoppedLog();
    expect(() => planReplay(log, "m9")).toThrow(expect.objectContaining({ _tag: "RunNotFound", message: 'no member "m9" in sweep runs/s (its members: m0, m1, m2, m3)' }));
    expect(() => planReplay({ ...log, state: { ...log.state, status: "interrupted" } })).toThrow(expect.objectContaining({ _tag: "ReplayRefused", reason: "unfinished" }));
    const failed: SweepLog = { ...log, state: { ...log.state, members: log.state.members.map((m) => (m.id === "m0" ? { ...m, status: "failed" as const } : m)) } };
    expect(() => planReplay(failed, "m0")).toThrow(expect.objectContaining({ reason: "unfinished", message: "member m0 of runs/s ended failed: only a member that trained to the end can be replayed" }));
    // m3's standing at generation 1 does not hold the hypers its copy at generation 0 gave it.
    const generations = log.generations.map((gen) => (gen.g === 1 ? { ...gen, standings: new Map([...gen.standings].map(([id, s]) => [id, id === "m3" ? { ...s, hypers: H.m3 } : s])) } : gen));
    expect(() => planReplay({ ...log, generations }, "m0")).toThrow(expect.objectContaining({ reason: "inconsistent", message: expect.stringMatching(/^runs\/s\/sweep\.jsonl: generation 1: m3 trained with trainer\.g\.lr=0\.0003 trainer\.gamma=1\.5, but its lineage gives /) }));
    // A decision whose `from` is not its source's value: replayDecision's own check.
    const wrongFrom = log.generations.map((gen) => (gen.g === 0 ? { ...gen, decisions: gen.decisions.map((d) => ({ ...d, explored: d.explored.map((e) => ({ ...e, from: 9 })) })) } : gen));
    expect(() => planReplay({ ...log, generations: wrongFrom }, "m0")).toThrow(expect.objectContaining({ reason: "inconsistent", message: expect.stringMatching(/^runs\/s\/sweep\.jsonl: generation 0: replay: m1\.trainer\.g\.lr is 0\.002, log says 9$/) }));
  });

  it("refuses a sweep that averaged its members (strategies/average.ts): a mean has no lineage to follow", () => {
    const log = budgetStoppedLog();
    const generations = log.generations.map((gen) => (gen.g === 1 ? { ...gen, averaged: ["m0", "m1", "m3"] } : gen));
    expect(() => planReplay({ ...log, generations }, "m1")).toThrow(
      expect.objectContaining({ _tag: "ReplayRefused", reason: "averaged", message: "runs/s averaged its members' states (first after generation 1): a replay follows one member's lineage of copies, and a mean has none" }),
    );
  });
});
