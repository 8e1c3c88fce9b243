import { describe, expect, it } from "vitest";
import { toyDataset } from "../../src/data/toy-datasets.ts";
import { toyMetrics } from "../../src/metrics/toy-metrics.ts";

const ring = toyDataset("ring8");
const at = (modes: number[], offset: [number, number] = [0, 0]) =>
  Float32Array.from(modes.flatMap((m) => [ring.centres[2 * m] + offset[0], ring.centres[2 * m + 1] + offset[1]]));

describe("toy metrics (VEEGAN/PacGAN protocol)", () => {
  it("an even spread over every mode: 8 modes, 100% high-quality, reverse KL 0", () => {
    const m = toyMetrics(at([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]), ring);
    expect(m).toMatchObject({ samples: 16, modes: 8, totalModes: 8, highQuality: 1 });
    expect(m.reverseKL).toBeCloseTo(0, 10);
  });

  it("everything on one mode: 1 mode, reverse KL = ln 8", () => {
    const m = toyMetrics(at([3, 3, 3, 3]), ring);
    expect(m.modes).toBe(1);
    expect(m.reverseKL).toBeCloseTo(Math.log(8), 10);
  });

  it("counts a sample within 3σ as high-quality and one just beyond as not", () => {
    const s = ring.sigma;
    const m = toyMetrics(Float32Array.from([...at([0], [2.9 * s, 0]), ...at([1], [3.1 * s, 0])]), ring);
    expect(m.highQuality).toBe(0.5);
    expect(m.modes).toBe(1);
  });

  it("reverse KL by hand for a 3:1 split over two modes: 0.75 ln(0.75·8) + 0.25 ln(0.25·8)", () => {
    const m = toyMetrics(at([0, 0, 0, 5]), ring);
    expect(m.reverseKL).toBeCloseTo(0.75 * Math.log(6) + 0.25 * Math.log(2), 10);
  });

  it("samples far from every mode are neither high-quality nor capture a mode", () => {
    const m = toyMetrics(Float32Array.from([0, 0, 5, 5]), ring);
    expect(m).toMatchObject({ modes: 0, highQuality: 0 });
    expect(m.reverseKL).toBeCloseTo(Math.log(8), 10);
  });
});
