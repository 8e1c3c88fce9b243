// Truncated normal by rejection: bounds, no pile-up at the edges, the truncated-normal moments.
import { describe, expect, it } from "vitest";
import { truncatedNormalArray } from "../../../src/models/image/truncation.ts";
import { Rng } from "../../../src/util/rng.ts";

describe("truncatedNormalArray", () => {
  const n = 20000;
  const z = truncatedNormalArray(new Rng(1), n, 1);

  it("keeps every value within ±threshold", () => {
    expect(Math.max(...z.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it("resamples rather than clips: the mass within 0.01 of ±1 matches the truncated density", () => {
    // Truncated N(0,1) on [−1, 1]: density φ(t)/(Φ(1) − Φ(−1)) with Φ(1) − Φ(−1) = erf(1/√2) = 0.682689.
    // P(0.99 ≤ |z| ≤ 1) ≈ 2·0.01·φ(0.995)/0.682689 = 2·0.01·0.243090/0.682689 = 0.007122
    // (clipping would put 31.7% of the draws exactly at ±1). Binomial sd at n = 20000: 0.0006.
    const edge = z.filter((v) => Math.abs(v) >= 0.99).length / n;
    expect(edge).toBeGreaterThan(0.007122 - 0.0025);
    expect(edge).toBeLessThan(0.007122 + 0.0025);
  });

  it("has the truncated normal's variance 1 − 2φ(1)/(Φ(1) − Φ(−1)) = 1 − 2·0.241971/0.682689 = 0.291125", () => {
    const mean = z.reduce((a, b) => a + b, 0) / n;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.015); // sd of the mean: √(0.29/20000) = 0.0038
    expect(variance).toBeGreaterThan(0.291125 - 0.01);
    expect(variance).toBeLessThan(0.291125 + 0.01);
  });

  it("same seed, same output", () => {
    expect(truncatedNormalArray(new Rng(5), 100, 0.5)).toEqual(truncatedNormalArray(new Rng(5), 100, 0.5));
  });

  it("no threshold, ≤ 0 or Infinity is the plain normal stream of the Rng", () => {
    const plain = new Rng(3).normalArray(1000);
    expect(Math.max(...plain.map(Math.abs))).toBeGreaterThan(2); // a plain normal does leave ±2
    for (const t of [undefined, 0, -1, Infinity]) expect(truncatedNormalArray(new Rng(3), 1000, t)).toEqual(plain);
  });
});
