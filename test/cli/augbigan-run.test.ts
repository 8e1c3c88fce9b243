// An augmented BiGAN run through the real CLI in a real process: `evogan run
// configs/augbigan-mnist.json`, made tiny with --set. Each evaluation records D's validation and
// test accuracy and the reconstruction error beside FID/IS; progress.csv and the report carry the
// new column; `reconstruct` writes test images beside their reconstructions; `export` writes G, E and D.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evogan } from "../helpers/cli-process.ts";
import { readCsvWithPandas } from "../helpers/pandas-csv.ts";

let out = "";
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-augbigan-cli-"));
});
afterAll(() => rm(out, { recursive: true, force: true }));

const tiny = [
  "--set", "task.limit=2000", "--set", "task.validation=200", "--set", "model.width=8", "--set", "model.zDim=12", "--set", "model.dHidden=[64,32]", "--set", "model.eHidden=[32]",
  "--set", "trainer.batchSize=16", "--set", "trainer.evalBatchSize=16", "--set", 'trainer.mutations=["feature-matching","heuristic"]',
  "--set", "budget.iterations=40", "--set", "eval.every=20", "--set", "eval.samples=64", "--set", "eval.grid=16",
];

describe("evogan run on the semi-supervised task (augbigan)", () => {
  it("records accuracies and the reconstruction error at each evaluation, in events, progress.csv and the report; reconstruct draws G(E(x))", async () => {
    const run = await evogan(["run", "configs/augbigan-mnist.json", "--no-report", "--set", `outDir=${out}`, "--set", "name=ab", ...tiny]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/val acc \d+\.\d%  test acc \d+\.\d%  reconstruction error \d\.\d{4}/);
    const dir = join(out, "ab");
    const evals = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([20, 40]);
    for (const e of evals) {
      expect(Object.keys(e.metrics).sort()).toEqual(["classTvd", "fid", "inceptionScore", "reconstructionError", "samples", "testAccuracy", "valAccuracy"]);
      // On the [0, 1] scale a reconstruction's mean error per pixel lies in (0, 1).
      expect(e.metrics.reconstructionError).toBeGreaterThan(0);
      expect(e.metrics.reconstructionError).toBeLessThan(1);
    }
    expect(evals[1].metrics.testAccuracy).toBeGreaterThan(0.3);

    const csv = readCsvWithPandas(join(dir, "progress.csv"));
    expect(csv.columns).toEqual(expect.arrayContaining(["valAccuracy", "testAccuracy", "reconstructionError"]));
    expect(csv.exact.reconstructionError).toEqual(evals.map((e) => e.metrics.reconstructionError));

    const report = await evogan(["report", dir]);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/val acc %\s+test acc %\s+recon error/);
    expect(report.stdout).toContain(evals[1].metrics.reconstructionError.toFixed(4));
    const csvReport = await evogan(["report", dir, "--format", "csv"]);
    const [header, row] = csvReport.stdout.trim().split("\r\n").map((l) => l.split(","));
    expect(row[header.indexOf("reconstruction error")]).toBe(String(evals[1].metrics.reconstructionError));

    const r = await evogan(["reconstruct", dir, "--n", "8", "-o", join(out, "ab.png")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/8 test images, each beside its reconstruction G\(E\(x\)\), iteration 40/);
    expect((await stat(join(out, "ab.png"))).size).toBeGreaterThan(100);

    // G, E and D export like BigBiGAN's (raw safetensors: the encoder's tensors are there).
    const x = await evogan(["export", dir, "--format", "safetensors", "--what", "g,e,d", "-o", join(out, "ab.safetensors")]);
    expect(x.stderr).toBe("");
    expect(x.code).toBe(0);
    const bytes = await readFile(join(out, "ab.safetensors"));
    const stHeader = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(stHeader)).toEqual(expect.arrayContaining(["g.up2.w", "e.fc0.w", "e.out.w", "d.out.g"]));
  });
});
