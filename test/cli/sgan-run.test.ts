// An SGAN run through the real CLI in a real process: `evogan run configs/sgan-mnist.json`, made
// tiny with --set. Each evaluation records D's validation and test accuracy beside FID/IS,
// progress.csv carries them as columns, the report shows them, and `sample` draws from G.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evogan } from "../helpers/cli-process.ts";
import { readCsvWithPandas } from "../helpers/pandas-csv.ts";

let out = "";
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-sgan-cli-"));
});
afterAll(() => rm(out, { recursive: true, force: true }));

const tiny = [
  "--set", "task.limit=2000", "--set", "task.validation=200", "--set", "model.width=8", "--set", "model.zDim=12", "--set", "model.dHidden=[64,32]",
  "--set", "trainer.batchSize=16", "--set", "trainer.evalBatchSize=16", "--set", 'trainer.mutations=["feature-matching","heuristic"]',
  "--set", "budget.iterations=40", "--set", "eval.every=20", "--set", "eval.samples=64", "--set", "eval.grid=16",
];

describe("evogan run on the semi-supervised task (sgan)", () => {
  it("records validation and test accuracy at each evaluation, in events, progress.csv and the report; sample draws from G", async () => {
    const run = await evogan(["run", "configs/sgan-mnist.json", "--no-report", "--set", `outDir=${out}`, "--set", "name=sg", ...tiny]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/val acc \d+\.\d%  test acc \d+\.\d%/);
    const dir = join(out, "sg");
    const evals = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([20, 40]);
    for (const e of evals) {
      expect(Object.keys(e.metrics).sort()).toEqual(["classTvd", "fid", "inceptionScore", "samples", "testAccuracy", "valAccuracy"]);
      // 200 validation images, 10 000 test images: accuracies are multiples of 1/200 and 1/10 000.
      expect(Math.abs(e.metrics.valAccuracy * 200 - Math.round(e.metrics.valAccuracy * 200))).toBeLessThan(1e-9);
      expect(e.metrics.testAccuracy).toBeGreaterThan(0);
      expect(e.metrics.testAccuracy).toBeLessThanOrEqual(1);
    }
    // 40 iterations on 10 labels a class already beat chance (10%) by far.
    expect(evals[1].metrics.testAccuracy).toBeGreaterThan(0.3);

    // Read by real pandas, as a user would.
    const csv = readCsvWithPandas(join(dir, "progress.csv"));
    expect(csv.columns).toEqual(expect.arrayContaining(["valAccuracy", "testAccuracy"]));
    expect(csv.dtypes.testAccuracy).toBe("float64");
    expect(csv.exact.testAccuracy).toEqual(evals.map((e) => e.metrics.testAccuracy));

    const report = await evogan(["report", dir]);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/val acc %\s+test acc %/);
    expect(report.stdout).toContain((100 * evals[1].metrics.testAccuracy).toFixed(1));
    const csvReport = await evogan(["report", dir, "--format", "csv"]);
    const [header, row] = csvReport.stdout.trim().split("\r\n").map((l) => l.split(","));
    expect(row[header.indexOf("test accuracy")]).toBe(String(evals[1].metrics.testAccuracy));

    const s = await evogan(["sample", dir, "--n", "4", "-o", join(out, "sg.png")]);
    expect(s.stderr).toBe("");
    expect(s.stdout).toMatch(/4 samples at iteration 40/);
  });
});
