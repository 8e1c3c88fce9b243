// The committed FID references (src/metrics/classifier/<dataset>-reference.{bin,json}): they are
// what a live computation on this machine gives, FID against them equals FID against the computed
// statistics, a reference of another classifier or size is ignored, a damaged one is refused
// naming the file, and `evogan classifier reference` writes them.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadImageData } from "../../../src/data/image-dataset.ts";
import { ClassifierWeightsError } from "../../../src/errors.ts";
import { classifierFile, readSidecar } from "../../../src/metrics/classifier/classifier-weights.ts";
import { classify, computeReference, DEFAULT_REFERENCE_SIZE, evaluationClassifier, fidAgainst, referenceStats, REFERENCE_SEED } from "../../../src/metrics/classifier/image-metrics.ts";
import { readReference, referenceFile, writeReference, type ReferenceSidecar } from "../../../src/metrics/classifier/reference-file.ts";
import { evogan } from "../../helpers/cli-process.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "evogan-reference-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const maxAbs = (a: Float64Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe.each(["mnist", "fashion-mnist"] as const)("the committed %s FID reference", (dataset) => {
  it("is what a live computation gives here, and FID against it equals FID against the computed statistics", async () => {
    const sha = readSidecar(classifierFile(dataset)).sha256;
    const committed = readReference(dataset, DEFAULT_REFERENCE_SIZE, REFERENCE_SEED, sha)!;
    expect(committed).toBeDefined();
    const live = await referenceStats(dataset, DEFAULT_REFERENCE_SIZE, { fromFile: false });
    expect(maxAbsDiff(committed.mean, live.mean)).toBeLessThan(1e-5 * maxAbs(live.mean));
    expect(maxAbsDiff(committed.cov, live.cov)).toBeLessThan(1e-5 * maxAbs(live.cov));
    const used = await referenceStats(dataset);
    expect(used.mean).toEqual(committed.mean);
    const test = loadImageData(dataset, "test", { seed: 1, limit: 1000 });
    const c = evaluationClassifier(dataset);
    const { features } = await classify(c, test.images, test.count);
    const d = c.spec.hidden;
    expect(fidAgainst(features, test.count, d, committed)).toBeCloseTo(fidAgainst(features, test.count, d, live), 4);
  });
});

describe("reading and writing a reference", () => {
  const meta = (over: Partial<ReferenceSidecar> = {}) => ({ dataset: "mnist" as const, n: 3, seed: 0, classifierSha256: "abc", backend: "cpu", ...over });
  const stats = { mean: Float64Array.from([1, -2]), cov: Float64Array.from([2, 0.5, 0.5, 3]) };

  it("round-trips; another classifier, size or seed reads as none (the statistics are then computed)", async () => {
    await writeReference(stats, meta(), dir);
    expect(readReference("mnist", 3, 0, "abc", dir)).toEqual(stats);
    expect(readReference("mnist", 3, 0, "another-classifier", dir)).toBeUndefined();
    expect(readReference("mnist", 4, 0, "abc", dir)).toBeUndefined();
    expect(readReference("mnist", 3, 1, "abc", dir)).toBeUndefined();
    expect(readReference("fashion-mnist", 3, 0, "abc", dir)).toBeUndefined();
  });

  it("a damaged .bin or sidecar is refused, naming the file", async () => {
    await writeReference(stats, meta(), dir);
    const bin = referenceFile("mnist", dir).replace(/\.json$/, ".bin");
    const bytes = await readFile(bin);
    bytes[5] ^= 0xff;
    await writeFile(bin, bytes);
    const e = (() => {
      try {
        readReference("mnist", 3, 0, "abc", dir);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ClassifierWeightsError);
    expect((e as Error).message).toContain(bin);
    await writeFile(referenceFile("mnist", dir), "{ not json");
    expect(() => readReference("mnist", 3, 0, "abc", dir)).toThrow(/mnist-reference\.json: not a readable FID reference sidecar/);
  });

  it("refuses a covariance that does not fit the mean", async () => {
    await expect(writeReference({ mean: stats.mean, cov: Float64Array.from([1, 2, 3]) }, meta(), dir)).rejects.toThrow(/2×2 covariance/);
  });
});

describe("evogan classifier reference", () => {
  it("writes the committed classifier's reference (the sidecar names that classifier) with statistics equal to a live computation's", async () => {
    const out = join(dir, "cli");
    const done = await evogan(["classifier", "reference", "--dataset", "mnist", "--out", out, "--backend", "wasm"]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/wrote .*mnist-reference\.json and its \.bin: classifier features of 10000 mnist training images/);
    const sidecar = JSON.parse(await readFile(join(out, "mnist-reference.json"), "utf8")) as ReferenceSidecar;
    expect(sidecar).toMatchObject({ dataset: "mnist", n: DEFAULT_REFERENCE_SIZE, seed: REFERENCE_SEED, d: 128, backend: "wasm", classifierSha256: readSidecar(classifierFile("mnist")).sha256 });
    const written = readReference("mnist", DEFAULT_REFERENCE_SIZE, REFERENCE_SEED, sidecar.classifierSha256, out)!;
    const live = await computeReference(evaluationClassifier("mnist"), "mnist");
    expect(maxAbsDiff(written.cov, live.cov)).toBeLessThan(1e-5 * maxAbs(live.cov));
    // The committed files are what it writes, to the same tolerance.
    const committed = readReference("mnist", DEFAULT_REFERENCE_SIZE, REFERENCE_SEED, sidecar.classifierSha256)!;
    expect(maxAbsDiff(written.mean, committed.mean)).toBeLessThan(1e-5 * maxAbs(committed.mean));
  });
});
