// A CycleGAN run through the real CLI in a real process: `evogan run configs/cyclegan-mnist-invert.json`,
// made tiny with --set (600 training images, widths 4 and 8, 30 iterations, two evaluations on 100
// test and 100 validation pairs). Each evaluation records the translation metrics in events.jsonl
// and progress.csv, the report shows them, the evaluation's grid shows test images beside their
// translations, and `evogan sample --direction BtoA` draws domain B's test images beside F's translations.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadImageData } from "../../src/data/image-dataset.ts";
import { formatReport } from "../../src/report/format-report.ts";
import { toByte } from "../../src/report/image-grid.ts";
import { readRun } from "../../src/report/read-run.ts";
import { summarize } from "../../src/report/summarize.ts";
import { evogan } from "../helpers/cli-process.ts";
import { readCsvWithPandas, skipWithoutPandas } from "../helpers/pandas-csv.ts";
import { decodePng } from "../report/decode-png.ts";
import { IMAGE_FIXTURE_RUN } from "../report/run-dir.ts";

let out = "";
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-cyclegan-cli-"));
});
afterAll(() => rm(out, { recursive: true, force: true }));

const tinyCyclegan = [
  "--set", "task.limit=600", "--set", "task.validation=100", "--set", "model.gWidth=4", "--set", "model.blocks=1", "--set", "model.dWidth=8",
  "--set", "trainer.g.lr=1e-3", "--set", "trainer.d.lr=1e-3",
  "--set", "budget.iterations=30", "--set", "eval.every=15", "--set", "eval.samples=100", "--set", "eval.grid=8",
];

const METRICS = [
  "backLabelPreservation", "backTranslationError", "cycleErrorA", "cycleErrorB", "fidA", "fidB", "labelPreservation",
  "samples", "translationError", "valLabelPreservation", "valSamples", "valTranslationError",
];

/** The mean byte of tile `k` (of `size`×`size` pixels, scale 2, pad 2) in the first row of a grid PNG, and its pixels' bytes (red channel). */
function tile(png: ReturnType<typeof decodePng>, k: number, size: number): number[] {
  const left = 2 + k * (2 * size + 2);
  const bytes: number[] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) bytes.push(png.pixels[((2 + 2 * y) * png.width + left + 2 * x) * png.channels]);
  return bytes;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("evogan run on MNIST → inverted MNIST (cyclegan)", () => {
  it("records the translation metrics at each evaluation, in events, progress.csv and the report; the grid and sample show test images beside their translations", async () => {
    const run = await evogan(["run", "configs/cyclegan-mnist-invert.json", "--no-report", "--set", `outDir=${out}`, "--set", "name=cg", ...tinyCyclegan]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/translation error 0\.\d{4}  labels kept \d+\.\d%.*val labels kept \d+\.\d%/);
    const dir = join(out, "cg");
    const events = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const evals = events.filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([15, 30]);
    for (const e of evals) {
      expect(Object.keys(e.metrics).sort()).toEqual(METRICS);
      expect(e.metrics).toMatchObject({ samples: 100, valSamples: 100 });
      // 100 pairs each: label preservation is a multiple of 1/100.
      for (const k of ["labelPreservation", "backLabelPreservation", "valLabelPreservation"]) expect(Number.isInteger(Math.round(e.metrics[k] * 1e6) / 1e4)).toBe(true);
      for (const k of ["translationError", "backTranslationError", "cycleErrorA", "cycleErrorB", "valTranslationError"]) {
        expect(e.metrics[k]).toBeGreaterThan(0);
        expect(e.metrics[k]).toBeLessThan(1);
      }
      expect(e.metrics.fidA).toBeGreaterThan(0);
    }
    // Training moved G towards T: an untrained G is about 0.45 from T(a); 30 iterations bring it below 0.3, and lower at the second evaluation.
    expect(evals[1].metrics.translationError).toBeLessThan(evals[0].metrics.translationError);
    expect(evals[1].metrics.translationError).toBeLessThan(0.3);
    // Every iteration record carries the survivor's generator losses (identity off: 0).
    const iterations = events.filter((e) => e.type === "iteration");
    expect(iterations.map((e) => e.it)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const r of iterations) {
      expect(r.losses.identity).toBe(0);
      expect(r.losses.cycle).toBeGreaterThan(0);
      expect(Number.isFinite(r.losses.adversarial)).toBe(true);
    }

    // The evaluation's grid: 8 test images of domain A, each beside G's translation (16 tiles in one row).
    const grid = decodePng(await readFile(join(dir, "samples", "it-000030.png")));
    expect([grid.width, grid.height]).toEqual([16 * 56 + 17 * 2, 56 + 2 * 2]);
    const first = loadImageData("mnist", "test", { limit: 1 }).images;
    expect(tile(grid, 0, 28)).toEqual(Array.from(first, toByte));
    // Its translation is the inverted digit's bright background, not the input's black one.
    expect(mean(tile(grid, 1, 28)) - mean(tile(grid, 0, 28))).toBeGreaterThan(80);

    if (!skipWithoutPandas("cyclegan-run.test.ts")) {
      const csv = readCsvWithPandas(join(dir, "progress.csv"));
      expect(csv.columns).toEqual(["iteration", "elapsedSeconds", "samples", "translationError", "backTranslationError", "cycleErrorA", "cycleErrorB", "labelPreservation", "backLabelPreservation", "fidA", "fidB", "valSamples", "valTranslationError", "valLabelPreservation"]);
      expect(csv.dtypes.labelPreservation).toBe("float64");
      expect(csv.exact.translationError).toEqual(evals.map((e) => e.metrics.translationError));
      expect(csv.exact.valLabelPreservation).toEqual(evals.map((e) => e.metrics.valLabelPreservation));
    }

    const report = await evogan(["report", dir]);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/error\s+labels %\s+back error\s+back labels %\s+FID A\s+FID B\s+val error\s+val labels %/);
    expect(report.stdout).toContain(evals[1].metrics.translationError.toFixed(4));
    expect(report.stdout).toContain((100 * evals[1].metrics.valLabelPreservation).toFixed(1));
    expect(report.stdout).toMatch(/translation error vs iteration/);
    // No toy or image-from-z columns for a CycleGAN-only report.
    expect(report.stdout).not.toMatch(/modes|HQ %|\bIS\b/);
    // The CSV report (in this process: the same code as `report --format csv`) beside an image run:
    // the translation columns follow "test accuracy", empty for the image run; without a CycleGAN
    // run the image report's columns are as they were.
    const image = summarize(await readRun(IMAGE_FIXTURE_RUN));
    const [header, row, imageRow] = formatReport([summarize(await readRun(dir)), image], { format: "csv" }).trim().split("\r\n").map((l) => l.split(","));
    const at = header.indexOf("test accuracy") + 1;
    expect(header.slice(at, at + 10)).toEqual(["translation error", "back translation error", "cycle error A", "cycle error B", "label preservation", "back label preservation", "FID A", "FID B", "val translation error", "val label preservation"]);
    expect(row[header.indexOf("label preservation")]).toBe(String(evals[1].metrics.labelPreservation));
    expect(row[header.indexOf("val translation error")]).toBe(String(evals[1].metrics.valTranslationError));
    expect(imageRow.slice(at, at + 10)).toEqual(Array(10).fill(""));
    expect(imageRow[header.indexOf("FID")]).toBe("61.75");
    const imageOnly = formatReport([image], { format: "csv" }).split("\r\n")[0].split(",");
    expect(imageOnly.slice(0, at + 1)).toEqual([...header.slice(0, at), "best F"]);
    expect(imageOnly).not.toContain("translation error");

    // `sample`: 5 test images of domain B, each beside F's translation: 10 tiles in one row.
    const file = join(out, "cg-BtoA.png");
    const s = await evogan(["sample", dir, "--n", "5", "--direction", "BtoA", "-o", file]);
    expect(s.stderr).toBe("");
    expect(s.stdout).toMatch(/5 test images of domain B, each beside its translation to domain A, iteration 30/);
    const png = decodePng(await readFile(file));
    expect([png.width, png.height]).toEqual([10 * 56 + 11 * 2, 56 + 2 * 2]);
    // Domain B's inputs are bright (inverted digits) and F makes them dark.
    expect(mean(tile(png, 0, 28)) - mean(tile(png, 1, 28))).toBeGreaterThan(80);
  });

  it("MNIST → Fashion-MNIST (no known answer): cycle errors and both domains' FIDs are measured, the answer-bound metrics are null and '-'; sample draws Fashion-MNIST's test images", async () => {
    const run = await evogan(["run", "configs/cyclegan-mnist-fashion.json", "--no-report", "--set", `outDir=${out}`, "--set", "name=cgf", ...tinyCyclegan]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/it +30\/30 +cycle 0\.\d{4} \/ 0\.\d{4} +FID A \d+\.\d\d B \d+\.\d\d/);
    expect(run.stdout).not.toMatch(/translation error 0|NaN/);
    const dir = join(out, "cgf");
    const evals = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([15, 30]);
    for (const e of evals) {
      expect(Object.keys(e.metrics).sort()).toEqual(METRICS);
      for (const k of ["translationError", "backTranslationError", "labelPreservation", "backLabelPreservation", "valTranslationError", "valLabelPreservation"]) expect(e.metrics[k]).toBeNull();
      for (const k of ["cycleErrorA", "cycleErrorB"]) expect(e.metrics[k]).toBeGreaterThan(0);
      for (const k of ["fidA", "fidB"]) expect(e.metrics[k]).toBeGreaterThan(0);
    }
    const report = await evogan(["report", dir]);
    expect(report.code).toBe(0);
    const row = report.stdout.split("\n").find((l) => l.startsWith("cgf "))!;
    // error, labels %, back error, back labels % are "-"; FID A and FID B are numbers.
    expect(row).toMatch(/30\/30 .* - +- +- +- +\d+\.\d+ +\d+\.\d+ +- +- /);
    // Its charts: the cycle error and FID B have points; translation error has none (not zeros).
    expect(report.stdout).toMatch(/cycle error A vs iteration\n[^(]*\|/);
    expect(report.stdout).toMatch(/FID B vs iteration\n[^(]*\|/);
    expect(report.stdout).toMatch(/translation error vs iteration\n  \(no data\)/);

    // Domain B's test images are Fashion-MNIST's own: the first tile is its first test image.
    const file = join(out, "cgf-BtoA.png");
    const s = await evogan(["sample", dir, "--n", "3", "--seed", "1", "--direction", "BtoA", "-o", file]);
    expect(s.code).toBe(0);
    const png = decodePng(await readFile(file));
    const fashion = loadImageData("fashion-mnist", "test");
    const shown = tile(png, 0, 28);
    const matches = Array.from({ length: fashion.count }, (_, i) => i).filter((i) => Array.from(fashion.images.subarray(i * 784, (i + 1) * 784), toByte).every((v, j) => v === shown[j]));
    expect(matches.length).toBeGreaterThan(0);
  });
});
