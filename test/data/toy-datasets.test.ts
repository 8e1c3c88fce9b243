import { describe, expect, it } from "vitest";
import { sampleToy, toyDataset } from "../../src/data/toy-datasets.ts";
import { Rng } from "../../src/util/rng.ts";

function centres(name: "ring8" | "grid25"): Array<[number, number]> {
  const c = toyDataset(name).centres;
  return Array.from({ length: c.length / 2 }, (_, i) => [c[2 * i], c[2 * i + 1]]);
}

describe("toy datasets", () => {
  it("ring8 has 8 distinct centres at radius 2/1.414, 45° apart, starting at angle 0", () => {
    const cs = centres("ring8");
    expect(cs).toHaveLength(8);
    for (let k = 0; k < 8; k++) {
      const [x, y] = cs[k];
      expect(Math.hypot(x, y)).toBeCloseTo(2 / 1.414, 5);
      expect(Math.atan2(y, x)).toBeCloseTo(Math.atan2(Math.sin((k * Math.PI) / 4), Math.cos((k * Math.PI) / 4)), 5);
    }
    const minGap = Math.min(...cs.flatMap((a, i) => cs.slice(i + 1).map((b) => Math.hypot(a[0] - b[0], a[1] - b[1]))));
    expect(minGap).toBeGreaterThan(1); // no two modes on the same point (the linspace bug)
    expect(toyDataset("ring8").sigma).toBeCloseTo(0.02 / 1.414, 8);
  });

  it("grid25 has 25 distinct centres {−4,−2,0,2,4}²/2.828 and σ = 0.05/2.828", () => {
    const cs = centres("grid25");
    expect(new Set(cs.map(([x, y]) => `${Math.round(x * 2.828)},${Math.round(y * 2.828)}`)).size).toBe(25);
    expect(Math.max(...cs.map(([x]) => x))).toBeCloseTo(4 / 2.828, 5);
    expect(toyDataset("grid25").sigma).toBeCloseTo(0.05 / 2.828, 8);
  });

  it("samples are seeded, fresh on every draw, and spread σ around the modes", () => {
    const data = toyDataset("grid25");
    const a = sampleToy(data, 4000, new Rng(5, 1));
    expect(sampleToy(data, 4000, new Rng(5, 1))).toEqual(a);
    const r = new Rng(5, 1);
    expect(sampleToy(data, 10, r)).not.toEqual(sampleToy(data, 10, r));
    // Distance to the nearest centre: x² + y² of a 2-D Gaussian has mean 2σ².
    const cs = centres("grid25");
    let sum = 0;
    for (let i = 0; i < 4000; i++) {
      sum += Math.min(...cs.map(([x, y]) => (a[2 * i] - x) ** 2 + (a[2 * i + 1] - y) ** 2));
    }
    expect(sum / 4000).toBeCloseTo(2 * data.sigma ** 2, 5);
  });
});
