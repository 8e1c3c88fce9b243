// The translation metrics on MNIST test pairs, with translators whose answers are known: the
// exact transform (errors 0, label preservation = the committed classifier's own test accuracy,
// FID in each domain = the test images' own FID) and the identity (large errors; under inversion
// the classifier no longer reads the digits).
import { beforeAll, describe, expect, it } from "vitest";
import { loadFashionMnist } from "../../src/data/fashion-mnist.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import { applyTransform, inverseTransform, type DomainTransform, type TestPairs } from "../../src/data/unpaired-domains.ts";
import { classifierFile, readSidecar } from "../../src/metrics/classifier/classifier-weights.ts";
import { classify, evaluationClassifier, imageMetrics, predictedClasses } from "../../src/metrics/classifier/image-metrics.ts";
import { meanError01, translationMetrics, type Translators } from "../../src/metrics/translation-metrics.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

const shapeOf = (count: number) => ({ count, height: 28, width: 28, channels: 1 });

function pairs(transform: DomainTransform, limit?: number): TestPairs {
  const a = loadMnist("test", { limit });
  return { a, b: applyTransform(transform, a.images, shapeOf(a.count)) };
}

/** G = T and F = T⁻¹ exactly. */
const exact = (t: DomainTransform): Translators => ({
  aToB: async (x, n) => applyTransform(t, x, shapeOf(n)),
  bToA: async (x, n) => inverseTransform(t, x, shapeOf(n)),
});
const identity: Translators = { aToB: async (x) => x.slice(), bToA: async (x) => x.slice() };

describe("meanError01", () => {
  it("is half the mean absolute difference on [−1, 1]: |−1 − 1| and |1 − 1| give 0.5", () => {
    expect(meanError01(Float32Array.from([-1, 1]), Float32Array.from([1, 1]))).toBe(0.5);
  });
});

describe("translation metrics on all 10000 MNIST test images, G = invert exactly", () => {
  it("errors are 0 and label preservation both ways is the committed classifier's test accuracy", async () => {
    const p = pairs("invert");
    const m = await translationMetrics(exact("invert"), p, "invert");
    expect(m.samples).toBe(10000);
    expect([m.translationError, m.backTranslationError, m.cycleErrorA, m.cycleErrorB]).toEqual([0, 0, 0, 0]);
    // The classifier's accuracy on the same images, computed here directly ...
    const { probs } = await classify(evaluationClassifier("mnist"), p.a.images, p.a.count);
    const predicted = predictedClasses(probs, p.a.count, 10);
    const accuracy = predicted.filter((c, i) => c === p.a.labels[i]).length / p.a.count;
    expect(m.labelPreservation).toBe(accuracy);
    expect(m.backLabelPreservation).toBe(accuracy);
    // ... and as its sidecar recorded it right after training.
    const sidecar = readSidecar(classifierFile("mnist"));
    expect(sidecar.testCount).toBe(10000);
    expect(m.labelPreservation).toBeCloseTo(sidecar.testAccuracy, 3);
  });
});

describe("translation metrics on 1000 test images", () => {
  it("G = rot90 exactly: errors 0; FID in each domain is the test images' own FID", async () => {
    const p = pairs("rot90", 1000);
    const m = await translationMetrics(exact("rot90"), p, "rot90", { fid: true });
    expect([m.translationError, m.backTranslationError, m.cycleErrorA, m.cycleErrorB]).toEqual([0, 0, 0, 0]);
    expect(m.labelPreservation).toBeGreaterThan(0.98);
    const own = await imageMetrics(p.a.images, p.a.count);
    expect(m.fidA).toBeCloseTo(own.fid, 6);
    expect(m.fidB).toBeCloseTo(own.fid, 6);
  });

  it("G = identity under inversion: translation error is E|x| on [−1, 1] (MNIST's dark background: large), cycles exact, labels lost", async () => {
    const p = pairs("invert", 1000);
    const m = await translationMetrics(identity, p, "invert", { fid: true });
    // |a − (−a)|/2 = |a| per pixel.
    const meanAbs = p.a.images.reduce((s, v) => s + Math.abs(v), 0) / p.a.images.length;
    expect(m.translationError).toBeCloseTo(meanAbs, 5);
    expect(m.translationError).toBeGreaterThan(0.8);
    expect(m.backTranslationError).toBeCloseTo(meanAbs, 5);
    expect([m.cycleErrorA, m.cycleErrorB]).toEqual([0, 0]);
    // The classifier reads inverted digits (T⁻¹(a) = −a) no better than chance-ish.
    expect(m.labelPreservation).toBeLessThan(0.5);
    expect(m.backLabelPreservation).toBeLessThan(0.5);
    expect(m.fidB!).toBeGreaterThan(10 * (await imageMetrics(p.a.images, p.a.count)).fid);
  });

  it("G = identity under rot90: a large error, and labels mostly lost through the quarter turn", async () => {
    const m = await translationMetrics(identity, pairs("rot90", 1000), "rot90");
    expect(m.translationError).toBeGreaterThan(0.1);
    expect(m.labelPreservation).toBeLessThan(0.6);
  });
});

describe("translation metrics without a known answer (MNIST → Fashion-MNIST), 1000 test images", () => {
  const mnist = loadMnist("test", { limit: 1000 });
  const fashion = loadFashionMnist("test", { limit: 1000 });
  const p: TestPairs = { a: mnist, b: fashion.images };
  // G hands back the Fashion-MNIST image of the same index, F the MNIST one: each domain's own images.
  const swap: Translators = { aToB: async () => fashion.images.slice(), bToA: async () => mnist.images.slice() };

  it("translation errors and label preservations are NaN; the cycle errors are measured (G∘F exact here, F∘G not)", async () => {
    const m = await translationMetrics(swap, p, undefined, { bDataset: "fashion-mnist" });
    expect([m.translationError, m.backTranslationError, m.labelPreservation, m.backLabelPreservation].every(Number.isNaN)).toBe(true);
    // F(G(a)) = the MNIST test images = a; G(F(b)) = the Fashion images = b.
    expect([m.cycleErrorA, m.cycleErrorB]).toEqual([0, 0]);
    const identityCycle = await translationMetrics({ aToB: async (x) => x.map((v) => v / 2), bToA: async (x) => x.slice() }, p, undefined);
    // F(G(a)) = a/2: error |a/2 − a|/2 = |a|/4 per value.
    expect(identityCycle.cycleErrorA).toBeCloseTo(mnist.images.reduce((s, v) => s + Math.abs(v), 0) / mnist.images.length / 4, 5);
  });

  it("FID B reads G(a) with Fashion-MNIST's classifier: Fashion images score their own FID, MNIST digits far worse", async () => {
    const m = await translationMetrics(swap, p, undefined, { bDataset: "fashion-mnist", fid: true });
    expect(m.fidB).toBeCloseTo((await imageMetrics(fashion.images, 1000, "fashion-mnist")).fid, 6);
    expect(m.fidA).toBeCloseTo((await imageMetrics(mnist.images, 1000)).fid, 6);
    const digits = await translationMetrics(identity, p, undefined, { bDataset: "fashion-mnist", fid: true });
    expect(digits.fidB!).toBeGreaterThan(10 * m.fidB!);
  });
});
