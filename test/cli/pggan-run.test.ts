// A PGGAN run through the real CLI in a real process: `evogan run configs/pggan-mnist.json`, made
// tiny with --set (width 8, a schedule that visits all three stages in 30 iterations). Every
// iteration record carries its growth stage and α, evaluations measure FID/IS, and `sample` draws
// from the grown G (test/export/pggan-export.test.ts exports one).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { growthAt } from "../../src/models/image/growth-schedule.ts";
import { evogan } from "../helpers/cli-process.ts";

let out = "";
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-pggan-cli-"));
});
afterAll(() => rm(out, { recursive: true, force: true }));

// 8 iterations at 7×7, a 6-iteration fade to 14, 6 at 14, a 6-iteration fade to 28: fully grown at 26.
const schedule = { hold: [8, 6], fade: [6, 6] };
const tiny = [
  "--set", "task.limit=1000", "--set", "model.width=8", "--set", "model.zDim=8", "--set", `model.growth=${JSON.stringify(schedule)}`,
  "--set", "trainer.batchSize=8", "--set", "trainer.evalBatchSize=8",
  "--set", "budget.iterations=30", "--set", "eval.every=30", "--set", "eval.samples=64", "--set", "eval.grid=16",
];

describe("evogan run of a growing PGGAN (WGAN-GP)", () => {
  it("trains through 7 → 14 → 28, records each iteration's stage and α, evaluates; sample draws from the grown G", async () => {
    const run = await evogan(["run", "configs/pggan-mnist.json", "--no-report", "--set", `outDir=${out}`, "--set", "name=pg", ...tiny]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const dir = join(out, "pg");
    const events = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const iterations = events.filter((e) => e.type === "iteration");
    expect(iterations.map((e) => e.it)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Iteration `it` trained at growthAt(schedule, it − 1); every stage and both kinds of phase are visited.
    expect(iterations.map((e) => [e.stage, e.alpha])).toEqual(iterations.map((e) => [growthAt(schedule, e.it - 1).stage, growthAt(schedule, e.it - 1).alpha]));
    expect(new Set(iterations.map((e) => e.stage))).toEqual(new Set([0, 1, 2]));
    expect(iterations.filter((e) => e.alpha > 0 && e.alpha < 1).length).toBe(10);
    expect(iterations.every((e) => Number.isFinite(e.dLoss))).toBe(true);
    const evals = events.filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([30]);
    for (const e of evals) {
      expect(Object.keys(e.metrics).sort()).toEqual(["classTvd", "fid", "inceptionScore", "samples"]);
      expect(e.metrics.fid).toBeGreaterThan(0);
      expect(e.metrics.inceptionScore).toBeGreaterThanOrEqual(1);
    }

    const s = await evogan(["sample", dir, "--n", "4", "-o", join(out, "pg.png")]);
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/4 samples at iteration 30/);
  });
});
