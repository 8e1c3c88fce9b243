import * as tf from "@tensorflow/tfjs";
import { Piscina } from "piscina";
import { beforeAll, describe, expect, it } from "vitest";
import { loadImageData } from "../../../src/data/image-dataset.ts";
import { loadMnist } from "../../../src/data/mnist.ts";
import { TSX_IMPORT } from "../../../src/orchestrator/member-pool.ts";
import type { ImageMetrics } from "../../../src/records.ts";
import { Rng } from "../../../src/util/rng.ts";
import { classify, DEFAULT_REFERENCE_SIZE, evaluationClassifier, imageMetrics, referenceStats, REFERENCE_SEED } from "../../../src/metrics/classifier/image-metrics.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const PER = 28 * 28;

/** The first `n` test images of digit `digit`. */
function oneClass(digit: number, n: number): Float32Array {
  const test = loadMnist("test");
  const out = new Float32Array(n * PER);
  let k = 0;
  for (let i = 0; i < test.count && k < n; i++) if (test.labels[i] === digit) out.set(test.images.subarray(i * PER, (i + 1) * PER), PER * k++);
  if (k < n) throw new Error(`only ${k} test images of ${digit}`);
  return out;
}

describe("imageMetrics with the committed MNIST classifier (real data)", () => {
  let real: ImageMetrics;
  beforeAll(async () => {
    const test = loadMnist("test", { seed: 1, limit: 2000 });
    real = await imageMetrics(test.images, test.count);
  });

  it("real test images: small FID against the training reference, IS close to 10, class histogram near uniform", () => {
    expect(real.samples).toBe(2000);
    expect(real.fid).toBeGreaterThan(0);
    expect(real.inceptionScore).toBeGreaterThan(9.3);
    expect(real.inceptionScore).toBeLessThanOrEqual(10);
    expect(real.classTvd).toBeLessThan(0.05); // MNIST's classes are near-uniform, not exactly
  });

  it("one class only: FID far larger, IS close to 1, class TVD ≈ 0.9 (= ½(0.9 + 9·0.1))", async () => {
    const m = await imageMetrics(oneClass(3, 1000), 1000);
    expect(m.fid).toBeGreaterThan(20 * real.fid);
    expect(m.inceptionScore).toBeLessThan(1.2);
    expect(m.classTvd).toBeGreaterThan(0.88);
    expect(m.classTvd).toBeLessThanOrEqual(0.9);
  });

  it("uniform noise: FID far larger than real images'", async () => {
    const noise = new Rng(2).uniformArray(1000 * PER, -1, 1);
    expect((await imageMetrics(noise, 1000)).fid).toBeGreaterThan(20 * real.fid);
  });

  it("the reference images themselves have FID ≈ 0", async () => {
    const ref = loadMnist("train", { seed: REFERENCE_SEED, limit: DEFAULT_REFERENCE_SIZE });
    const m = await imageMetrics(ref.images, ref.count);
    expect(m.fid).toBeGreaterThanOrEqual(0);
    expect(m.fid).toBeLessThan(1e-6 * real.fid);
  });

  it("computes the reference once per process and keeps the tensor count flat", async () => {
    expect(await referenceStats()).toBe(await referenceStats("mnist", DEFAULT_REFERENCE_SIZE));
    const test = loadMnist("test", { seed: 3, limit: 700 }); // not a multiple of the batch size
    const before = tf.memory().numTensors;
    const a = await imageMetrics(test.images, test.count);
    const b = await imageMetrics(test.images, test.count);
    expect(tf.memory().numTensors).toBe(before);
    expect(b).toEqual(a);
  });

  it("classify: rows are distributions, features non-negative; batching does not change them; bad sizes are rejected", async () => {
    const c = evaluationClassifier();
    const test = loadMnist("test", { limit: 30 });
    const whole = await classify(c, test.images, 30);
    const small = await classify(c, test.images, 30, 7);
    for (let i = 0; i < whole.probs.length; i++) expect(small.probs[i]).toBeCloseTo(whole.probs[i], 5);
    for (let r = 0; r < 30; r++) expect(whole.probs.subarray(r * 10, r * 10 + 10).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(Math.min(...whole.features)).toBeGreaterThanOrEqual(0);
    expect(whole.features.length).toBe(30 * 128);
    await expect(classify(c, test.images, 31)).rejects.toThrow(/need 24304 values/);
    await expect(imageMetrics(test.images.subarray(0, PER), 1)).rejects.toThrow(/at least 2/);
  });

  it("runs inside a Piscina worker thread after useBackend('wasm'), giving the main thread's numbers", async () => {
    const test = loadMnist("test", { seed: 1, limit: 2000 });
    const pool = new Piscina({ filename: new URL("./image-metrics-worker.ts", import.meta.url).href, minThreads: 1, maxThreads: 1, execArgv: TSX_IMPORT });
    try {
      const m: ImageMetrics = await pool.run({ images: test.images, count: test.count });
      expect(m.samples).toBe(2000);
      expect(m.fid).toBeCloseTo(real.fid, 3);
      expect(m.inceptionScore).toBeCloseTo(real.inceptionScore, 3);
      expect(m.classTvd).toBe(real.classTvd);
    } finally {
      await pool.destroy();
    }
  });
});

describe("imageMetrics with the committed Fashion-MNIST classifier (real data)", () => {
  it("real test images score a small FID and a high IS; one garment class only scores a far larger FID, IS ≈ 1, TVD ≈ 0.9", async () => {
    const test = loadImageData("fashion-mnist", "test", { seed: 1, limit: 2000 });
    const real = await imageMetrics(test.images, test.count, "fashion-mnist");
    expect(real.inceptionScore).toBeGreaterThan(7); // a 90% classifier is less confident than MNIST's
    expect(real.classTvd).toBeLessThan(0.05);
    const trousers = loadImageData("fashion-mnist", "test", { limit: 5000 }); // interleaved: label i mod 10
    const ones = new Float32Array(500 * PER);
    for (let k = 0; k < 500; k++) ones.set(trousers.images.subarray((10 * k + 1) * PER, (10 * k + 2) * PER), k * PER);
    expect(new Set(Array.from({ length: 500 }, (_, k) => trousers.labels[10 * k + 1]))).toEqual(new Set([1]));
    const m = await imageMetrics(ones, 500, "fashion-mnist");
    expect(m.fid).toBeGreaterThan(20 * real.fid);
    expect(m.inceptionScore).toBeLessThan(1.3);
    expect(m.classTvd).toBeGreaterThan(0.85);
  });
});
