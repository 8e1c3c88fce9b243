import { describe, expect, it } from "vitest";
import { sampleToy, toyDataset, type ToyDataset } from "../../src/data/toy-datasets.ts";
import { MMD_BANDWIDTHS, mixtureMmd } from "../../src/metrics/mixture-mmd.ts";
import { Rng } from "../../src/util/rng.ts";

const N = 2500;

/** The plain two-sample estimate against drawn data (V-statistic cross term, U-statistics within), in float64. */
function sampledMmd(x: Float32Array, y: Float32Array, data: ToyDataset): number {
  const mean = (a: Float32Array, b: Float32Array, h2: number, skipDiagonal: boolean): number => {
    let s = 0;
    let count = 0;
    for (let i = 0; i < a.length / 2; i++) {
      for (let j = skipDiagonal ? i + 1 : 0; j < b.length / 2; j++) {
        s += Math.exp(-((a[2 * i] - b[2 * j]) ** 2 + (a[2 * i + 1] - b[2 * j + 1]) ** 2) / (2 * h2));
        count++;
      }
    }
    return s / count;
  };
  return MMD_BANDWIDTHS.reduce((t, m) => {
    const h2 = (m * data.sigma) ** 2;
    return t + mean(x, x, h2, true) - 2 * mean(x, y, h2, false) + mean(y, y, h2, true);
  }, 0);
}

/** n points at the given modes (cycling through them), each with the mixture's noise. */
function atModes(data: ToyDataset, modes: readonly number[], n: number, rng: Rng, sigma = data.sigma): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const m = modes[i % modes.length];
    out[2 * i] = data.centres[2 * m] + sigma * rng.normal();
    out[2 * i + 1] = data.centres[2 * m + 1] + sigma * rng.normal();
  }
  return out;
}

for (const name of ["grid25", "ring8"] as const) {
  describe(`MMD² to the ${name} mixture`, () => {
    const data = toyDataset(name);
    const K = data.centres.length / 2;
    const all = Array.from({ length: K }, (_, k) => k);

    it("matches the plain estimate against 4,000 drawn data points (the closed-form mixture terms)", () => {
      const rng = new Rng(3);
      // A smeared sample, far from the mixture, so the value is large against the estimate's noise.
      const x = Float32Array.from({ length: 2 * 600 }, () => (2 * rng.uniform() - 1) * 1.5);
      const exact = mixtureMmd(x, data);
      const sampled = sampledMmd(x, sampleToy(data, 4000, rng), data);
      expect(Math.abs(exact - sampled)).toBeLessThan(0.03 * exact);
    });

    it("scores samples of the mixture itself near 0 (data against data), within sampling noise", () => {
      const rng = new Rng(5);
      for (let s = 0; s < 3; s++) expect(Math.abs(mixtureMmd(sampleToy(data, N, rng), data))).toBeLessThan(2e-3);
    });

    it("scores a uniform smear over the square, a collapse onto one mode, a missing mode and blurred modes clearly worse", () => {
      const rng = new Rng(7);
      const perfect = Math.abs(mixtureMmd(sampleToy(data, N, rng), data));
      const smear = mixtureMmd(Float32Array.from({ length: 2 * N }, () => (2 * rng.uniform() - 1) * 1.6), data);
      const collapsed = mixtureMmd(atModes(data, [0], N, rng), data);
      const missingOne = mixtureMmd(atModes(data, all.slice(1), N, rng), data);
      const blurred = mixtureMmd(atModes(data, all, N, rng, 4 * data.sigma), data);
      for (const worse of [smear, collapsed, missingOne, blurred]) expect(worse).toBeGreaterThan(Math.max(4e-3, 5 * perfect));
      // A collapse is the worst; a smear that touches every mode is still far from the mixture.
      expect(collapsed).toBeGreaterThan(smear);
      expect(collapsed).toBeGreaterThan(missingOne);
    });
  });
}
