import { describe, expect, it } from "vitest";
import { toyScore } from "../../src/metrics/toy-score.ts";

describe("toy score", () => {
  it("is 2 for every mode, all samples high-quality, evenly spread", () => {
    expect(toyScore({ samples: 100, modes: 8, totalModes: 8, highQuality: 1, reverseKL: 0 })).toBe(2);
  });
  it("is 1/K − 1 for everything collapsed far away on one mode's histogram (ln K reverse KL, no high-quality)", () => {
    expect(toyScore({ samples: 100, modes: 1, totalModes: 8, highQuality: 0, reverseKL: Math.log(8) })).toBeCloseTo(1 / 8 - 1, 12);
  });
  it("ranks more modes above fewer at equal quality", () => {
    const a = toyScore({ samples: 100, modes: 20, totalModes: 25, highQuality: 0.5, reverseKL: 0.2 });
    const b = toyScore({ samples: 100, modes: 15, totalModes: 25, highQuality: 0.5, reverseKL: 0.2 });
    expect(a).toBeGreaterThan(b);
  });
});
