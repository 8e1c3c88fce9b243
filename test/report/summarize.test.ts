import { describe, expect, it } from "vitest";
import type { ChildRecord, IterationRecord, RunEvent } from "../../src/records.ts";
import { readRun, type RunData } from "../../src/report/read-run.ts";
import { downsample, splitEven, summarize } from "../../src/report/summarize.ts";
import { FIXTURE_RUN, IMAGE_FIXTURE_RUN, runInfo } from "./run-dir.ts";

const child = (mutation: string, F: number): ChildRecord => ({ mutation, parent: 0, Fq: 0.5, Fd: F - 0.5, F });

const iteration = (it: number, children: ChildRecord[], survivors: number[], elapsedMs = 500 * it): IterationRecord => ({
  type: "iteration",
  it,
  children,
  survivors,
  dLoss: 1 + it / 1000,
  elapsedMs,
});

const run = (events: RunEvent[], config: unknown = null): RunData => ({ dir: "mem", info: runInfo(), config, events, warnings: [] });

describe("summarize on the fixture run (test/fixtures/run-small)", async () => {
  // 30 iterations, children [minimax, heuristic, least-squares], one survivor per iteration whose
  // F is 2 + 0.05·it except 5.0 at it 17. Winners by 3-iteration window:
  //   HHH HHM HMM MML LLL HLL HHL HHH HLM HHL  → heuristic 15, least-squares 9, minimax 6.
  const summary = summarize(await readRun(FIXTURE_RUN));

  it("reports name, status, iterations and the end record's speed", () => {
    expect(summary).toMatchObject({ name: "run-small", backend: "cpu", status: "finished", iterations: 30, plannedIterations: 30, itersPerSec: 9.5 });
  });

  it("takes the final toy metrics from the last evaluation", () => {
    expect(summary.finalEval).toEqual({ kind: "toy", it: 30, modes: 21, totalModes: 25, highQuality: 0.62, reverseKL: 0.11, mmd: 0.0123, elapsedMs: 3000 });
  });

  it("finds the best survivor F and where it was reached", () => {
    expect(summary.bestF).toBe(5);
    expect(summary.bestFIt).toBe(17);
  });

  it("averages the survivors' F over the last 1% of iterations, at least one", () => {
    expect(summary.finalF).toBeCloseTo(3.5, 12);
  });

  it("gives each mutation's share of survivor slots, most wins first", () => {
    expect(summary.mutationWins).toEqual([
      { mutation: "heuristic", wins: 15, share: 0.5 },
      { mutation: "least-squares", wins: 9, share: 0.3 },
      { mutation: "minimax", wins: 6, share: 0.2 },
    ]);
  });

  it("splits the wins into 10 windows of 3 iterations", () => {
    const windows = summary.winsOverTime;
    expect(windows.map((w) => [w.fromIt, w.toIt, w.slots])).toEqual(
      Array.from({ length: 10 }, (_, k) => [3 * k + 1, 3 * k + 3, 3]),
    );
    expect(windows[0].shares).toEqual({ heuristic: 1, "least-squares": 0, minimax: 0 });
    expect(windows[3].shares).toEqual({ heuristic: 0, "least-squares": 1 / 3, minimax: 2 / 3 });
    expect(windows[4].shares).toEqual({ heuristic: 0, "least-squares": 1, minimax: 0 });
  });

  it("keeps every iteration in the curves when there are fewer than 200", () => {
    expect(summary.curves.bestF).toHaveLength(30);
    expect(summary.curves.bestF[16]).toEqual([17, 5]);
    expect(summary.curves.dLoss[0]).toEqual([1, 1.39]);
    expect(summary.curves.dLoss[29]).toEqual([30, 1.1]);
    expect(summary.curves.evals.map((e) => [e.it, e.kind === "toy" ? e.modes : NaN])).toEqual([[10, 10], [20, 18], [30, 21]]);
  });
});

describe("summarize on the image fixture run (test/fixtures/run-image-small)", async () => {
  // μ = 2, survivors by mutation per iteration (H heuristic, M minimax, L least-squares):
  //   HH HM HH HL MH MM LM HM LL LH LL LL → heuristic 9, least-squares 9, minimax 6 of 24 slots.
  const summary = summarize(await readRun(IMAGE_FIXTURE_RUN));

  it("takes the task from config.json and the metric kind from the evaluations", () => {
    expect(summary).toMatchObject({ name: "run-image-small", dataset: "mnist", model: "dcgan", metricKind: "image", iterations: 12, itersPerSec: 3.75 });
  });

  it("takes the final image metrics from the last evaluation", () => {
    // A DCGAN has no classifier and no encoder of its own: its accuracies and reconstruction error are NaN.
    expect(summary.finalEval).toEqual({ kind: "image", it: 12, elapsedMs: 3200, fid: 61.75, inceptionScore: 5.1, classTvd: 0.09, valAccuracy: NaN, testAccuracy: NaN, reconstructionError: NaN });
  });

  it("keeps every evaluation, with its iteration and wall time, for the curves", () => {
    expect(summary.curves.evals.map((e) => [e.it, e.elapsedMs, e.kind === "image" ? e.fid : NaN])).toEqual([[4, 1000, 180.5], [8, 2600, 95.25], [12, 3200, 61.75]]);
  });

  it("counts both survivor slots of every iteration, ties by name", () => {
    expect(summary.mutationWins).toEqual([
      { mutation: "heuristic", wins: 9, share: 9 / 24 },
      { mutation: "least-squares", wins: 9, share: 9 / 24 },
      { mutation: "minimax", wins: 6, share: 6 / 24 },
    ]);
  });

  it("ignores the NaN child of iteration 6 for F", () => {
    expect(summary.bestF).toBe(2.25);
    expect(summary.curves.bestF).toHaveLength(12);
  });
});

describe("summarize", () => {
  it("reads the task of early configs (top-level dataset, no model family means mlp)", async () => {
    expect(summarize(await readRun(FIXTURE_RUN))).toMatchObject({ dataset: "grid25", model: "mlp", metricKind: "toy" });
  });

  it("takes the metric kind from the dataset before the first evaluation", () => {
    expect(summarize(run([], { task: { dataset: "cifar10" }, model: { family: "biggan" } }))).toMatchObject({ dataset: "cifar10", model: "biggan", metricKind: "image" });
    expect(summarize(run([], { task: { dataset: "ring8" } })).metricKind).toBe("toy");
    expect(summarize(run([])).metricKind).toBe("toy");
  });

  // Windows of 2 iterations, μ = 2: a, b win 1 slot each, then a both, then b both.
  it("gives each mutation's share of each window's survivor slots", () => {
    const mixed = [
      iteration(1, [child("a", 2), child("b", 1)], [0, 1]),
      iteration(2, [child("a", 2), child("b", 1)], [0, 1]),
      iteration(3, [child("a", 2), child("a", 1), child("b", 0)], [0, 1]),
      iteration(4, [child("a", 2), child("a", 1), child("b", 0)], [0, 1]),
      iteration(5, [child("b", 2), child("b", 1), child("a", 0)], [0, 1]),
      iteration(6, [child("a", 0), child("b", 2), child("b", 1)], [1, 2]),
    ];
    expect(summarize(run(mixed), { windows: 3 }).winsOverTime).toEqual([
      { fromIt: 1, toIt: 2, slots: 4, shares: { a: 0.5, b: 0.5 } },
      { fromIt: 3, toIt: 4, slots: 4, shares: { a: 1, b: 0 } },
      { fromIt: 5, toIt: 6, slots: 4, shares: { a: 0, b: 1 } },
    ]);
  });

  // μ = 2: two survivor slots per iteration.
  const twoSurvivors = [
    iteration(1, [child("a", 2), child("b", 1), child("a", 0)], [0, 1]),
    iteration(2, [child("b", NaN), child("a", 3), child("b", 0)], [1, 0]),
    iteration(3, [child("a", 1.5), child("a", 0.5), child("b", 0)], [0, 1]),
  ];

  it("counts every survivor slot, not only the best survivor", () => {
    expect(summarize(run(twoSurvivors)).mutationWins).toEqual([
      { mutation: "a", wins: 4, share: 4 / 6 },
      { mutation: "b", wins: 2, share: 2 / 6 },
    ]);
  });

  it("ignores NaN when looking for the best F", () => {
    const s = summarize(run(twoSurvivors));
    expect(s.bestF).toBe(3);
    expect(s.curves.bestF).toEqual([[1, 2], [2, 3], [3, 1.5]]);
  });

  it("ignores an iteration whose only survivor has a NaN F, even the first", () => {
    const s = summarize(run([iteration(1, [child("a", NaN)], [0]), iteration(2, [child("a", 0.5)], [0])]));
    expect(s.bestF).toBe(0.5);
    expect(s.bestFIt).toBe(2);
    expect(s.finalF).toBe(0.5);
    expect(s.curves.bestF).toEqual([[2, 0.5]]);
  });

  it("averages all survivors of the final iterations for final F", () => {
    expect(summarize(run(twoSurvivors)).finalF).toBe(1);
  });

  it("derives it/s from the last iteration when there is no end record", () => {
    expect(summarize(run(twoSurvivors)).itersPerSec).toBe(2);
  });

  it("lists a mutation that never won with a zero share", () => {
    const wins = summarize(run([iteration(1, [child("a", 1), child("never", 0)], [0])])).mutationWins;
    expect(wins).toEqual([{ mutation: "a", wins: 1, share: 1 }, { mutation: "never", wins: 0, share: 0 }]);
  });

  it("summarizes a run with no records yet without NaN", () => {
    const s = summarize(run([]));
    expect(s).toMatchObject({ iterations: 0, itersPerSec: null, finalEval: null, bestF: null, bestFIt: null, finalF: null });
    expect(s.winsOverTime).toEqual([]);
    expect(s.curves).toEqual({ bestF: [], dLoss: [], evals: [] });
  });

  // Child a (F = it) survives up to iteration 500, then child b (F = it - 1000).
  describe("on a long run of 1000 iterations", () => {
    const long = run(Array.from({ length: 1000 }, (_, i) => iteration(i + 1, [child("a", i + 1), child("b", i + 1 - 1000)], [i < 500 ? 0 : 1])));
    const s = summarize(long);

    it("downsamples curves to 200 points, the mean of each bucket", () => {
      expect(s.curves.bestF).toHaveLength(200);
      expect(s.curves.bestF[0]).toEqual([3, 3]);
      expect(s.curves.bestF[99]).toEqual([498, 498]);
      expect(s.curves.bestF[100]).toEqual([503, -497]);
      expect(s.curves.bestF[199]).toEqual([998, -2]);
    });

    it("takes final F over the last 10 iterations", () => {
      expect(s.finalF).toBe(-4.5);
      expect(s.bestF).toBe(500);
    });

    it("shows the shift in wins between windows", () => {
      expect(s.winsOverTime.map((w) => [w.fromIt, w.toIt, w.shares.a])).toEqual(
        Array.from({ length: 10 }, (_, k) => [100 * k + 1, 100 * k + 100, k < 5 ? 1 : 0]),
      );
    });
  });
});

describe("splitEven and downsample", () => {
  it("splits into parts whose sizes differ by at most one", () => {
    expect(splitEven([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[1, 2], [3, 4], [5, 6, 7]]);
    expect(splitEven([1, 2], 10)).toEqual([[1], [2]]);
  });

  it("drops non-finite values before averaging", () => {
    expect(downsample([[1, 1], [2, NaN], [3, 3], [4, 5]], 2)).toEqual([[1, 1], [3.5, 4]]);
  });
});
