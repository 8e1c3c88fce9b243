// The learning-rate half-life (trainer.g.lrHalfLife): lrAt against hand-computed rates, and one
// Adam step of a decayed optimizer against Adam's update written out by hand in doubles.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";

import { adamStep, lrAt } from "../../src/trainers/adam.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

const h = { lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };

describe("lrAt", () => {
  it("is the configured rate at every step without a half-life", () => {
    expect([1, 2, 10_000].map((t) => lrAt(h, t))).toEqual([1e-3, 1e-3, 1e-3]);
  });

  it("halves every lrHalfLife steps, starting from the full rate at step 1", () => {
    const d = { ...h, lrHalfLife: 100 };
    expect(lrAt(d, 1)).toBe(1e-3);
    expect(lrAt(d, 101)).toBeCloseTo(5e-4, 15);
    expect(lrAt(d, 201)).toBeCloseTo(2.5e-4, 15);
    expect(lrAt(d, 51)).toBeCloseTo(1e-3 / Math.SQRT2, 15);
  });
});

describe("adamStep with a half-life", () => {
  it("moves a weight by Adam's update at the decayed rate (hand-computed)", () => {
    // State after 200 steps; this is step 201, whose rate is a quarter of lr at half-life 100.
    const [p0, m0, v0, g] = [0.3, 0.02, 4e-4, -0.05];
    const t = 201;
    const m = 0.5 * m0 + 0.5 * g;
    const v = 0.999 * v0 + 0.001 * g * g;
    const alpha = ((1e-3 / 4) * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.5 ** t);
    const expected = p0 - (alpha * m) / (Math.sqrt(v) + 1e-8);
    const run = (lrHalfLife: number | undefined) =>
      tf.tidy(() => {
        const next = adamStep({ params: [tf.scalar(p0)], m: [tf.scalar(m0)], v: [tf.scalar(v0)], t: t - 1 }, [tf.scalar(g)], { ...h, ...(lrHalfLife ? { lrHalfLife } : {}) });
        return next.params[0].dataSync()[0];
      });
    const decayed = run(100);
    const constant = run(undefined);
    expect(decayed).toBeCloseTo(expected, 6);
    // The step itself is a quarter of the constant-rate step.
    expect((decayed - p0) / (constant - p0)).toBeCloseTo(0.25, 4);
  });
});
