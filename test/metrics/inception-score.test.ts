import { describe, expect, it } from "vitest";
import { classTvd, inceptionScore } from "../../src/metrics/inception-score.ts";

function oneHot(classes: number[], k: number): Float32Array {
  const out = new Float32Array(classes.length * k);
  classes.forEach((c, i) => (out[i * k + c] = 1));
  return out;
}

describe("inceptionScore (Salimans et al. 2016)", () => {
  it("confident predictions spread evenly over k classes score exactly k", () => {
    for (const k of [2, 5, 10]) {
      const classes = Array.from({ length: 3 * k }, (_, i) => i % k);
      expect(inceptionScore(oneHot(classes, k), 3 * k, k)).toBeCloseTo(k, 12);
    }
  });

  it("identical rows score 1", () => {
    const row = [0.1, 0.6, 0.3];
    const probs = Float32Array.from([...row, ...row, ...row, ...row]);
    expect(inceptionScore(probs, 4, 3)).toBeCloseTo(1, 12);
    expect(inceptionScore(oneHot([2, 2, 2], 3), 3, 3)).toBeCloseTo(1, 12); // mode collapse
  });

  it("hand 2-class example: rows [1,0], [½,½] → (4/3)^{3/4}", () => {
    // p(y) = [¾, ¼]; KL1 = log(4/3); KL2 = ½log(2/3) + ½log 2 = ½log(4/3); mean ¾log(4/3)
    const probs = Float32Array.from([1, 0, 0.5, 0.5]);
    expect(inceptionScore(probs, 2, 2)).toBeCloseTo((4 / 3) ** 0.75, 12);
  });

  it("confident but unbalanced predictions: classes {0,0,0,1} → exp(H(¾,¼))", () => {
    const h = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    expect(inceptionScore(oneHot([0, 0, 0, 1], 4), 4, 4)).toBeCloseTo(Math.exp(h), 12);
  });

  it("rejects bad shapes and rows that are not distributions", () => {
    expect(() => inceptionScore(new Float32Array(5), 2, 3)).toThrow(/expected 2×3/);
    expect(() => inceptionScore(Float32Array.from([0.5, 0.2]), 1, 2)).toThrow(/sums to/);
    expect(() => inceptionScore(Float32Array.from([1.5, -0.5]), 1, 2)).toThrow(/invalid probability/);
  });
});

describe("classTvd", () => {
  it("all predictions in one of 10 classes → 0.9 from uniform", () => {
    expect(classTvd(new Int32Array(50).fill(3), 10)).toBeCloseTo(0.9, 14);
  });

  it("uniform predictions → 0", () => {
    expect(classTvd(Array.from({ length: 40 }, (_, i) => i % 10), 10)).toBe(0);
  });

  it("hand case against a custom reference", () => {
    // freq = [½, ½, 0], ref = [¼, ¼, ½] → ½(¼ + ¼ + ½) = ½
    expect(classTvd([0, 1, 0, 1], 3, [0.25, 0.25, 0.5])).toBeCloseTo(0.5, 14);
    // freq = [¾, ¼] vs uniform → ½(¼ + ¼) = ¼
    expect(classTvd([0, 0, 0, 1], 2)).toBeCloseTo(0.25, 14);
  });

  it("rejects out-of-range classes and bad references", () => {
    expect(() => classTvd([0, 10], 10)).toThrow(/outside 0..9/);
    expect(() => classTvd([0], 2, [0.5, 0.6])).toThrow(/probability distribution/);
    expect(() => classTvd([0], 2, [1])).toThrow(/expected 2/);
    expect(() => classTvd([], 2)).toThrow(/no predictions/);
  });
});
