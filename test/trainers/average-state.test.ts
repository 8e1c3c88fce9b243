import { describe, expect, it } from "vitest";
import { averageStates } from "../../src/trainers/average-state.ts";
import type { EganStateData } from "../../src/trainers/egan-trainer.ts";
import type { ImageEganState } from "../../src/trainers/image-egan-trainer.ts";

const f = (...xs: number[]) => Float32Array.from(xs);

/** A toy trainer's state whose every array is `scale` times a fixed pattern. */
function toyState(scale: number, it: number, seed: number): EganStateData {
  return {
    it,
    rng: [seed, seed + 1, seed + 2, seed + 3],
    parents: [{ params: [f(1 * scale, 2 * scale), f(-4 * scale)], m: [f(scale, 0), f(0)], v: [f(scale * scale, 1), f(2)], t: it }],
    d: { params: [f(3 * scale)], m: [f(0)], v: [f(scale)], t: it },
    losses: ["heuristic"],
  };
}

describe("averageStates", () => {
  it("takes the elementwise mean of every array (weights, Adam moments) and keeps the receiver's counters, random stream and losses", () => {
    const a = toyState(1, 100, 7);
    const b = toyState(3, 100, 9);
    const c = toyState(-1, 100, 11);
    const mean = averageStates([a, b, c], b);
    // Scales 1, 3 and −1 average to 1: params 1·(1, 2), (−4); m (1, 0); v's first entry (1 + 9 + 1)/3.
    expect(mean.parents[0].params).toEqual([f(1, 2), f(-4)]);
    expect(mean.parents[0].m).toEqual([f(1, 0), f(0)]);
    expect(mean.parents[0].v).toEqual([f(11 / 3, 1), f(2)]);
    expect(mean.d).toEqual({ params: [f(3)], m: [f(0)], v: [f(1)], t: 100 });
    expect([mean.it, mean.rng, mean.losses]).toEqual([100, [9, 10, 11, 12], ["heuristic"]]);
    // The inputs are not touched.
    expect(b.parents[0].params[0]).toEqual(f(3, 6));
  });

  it("averages named image parameters and the EMA generator by name, whatever their order", () => {
    const p = (w: number[], u: number[]) => ({ "g.w": { shape: [w.length], data: f(...w) }, "d.w.u": { shape: [u.length], data: f(...u) } });
    const state = (w: number[], u: number[], rng: number): ImageEganState => ({
      it: 5,
      draws: { rng: [rng, 0, 0, 1], stream: { epoch: 0, offset: 10 * rng, count: 60000 } },
      parents: [{ p: p(w, u), m: p([0, 0], [0]), v: p([1, 1], [1]), t: 5 }],
      d: { p: p(w, u), m: p([0, 0], [0]), v: p([1, 1], [1]), t: 5 },
      ema: { "g.w": { shape: [2], data: f(...w.map((x) => x / 2)) } },
    });
    const a = state([1, 2], [0.25], 1);
    const b = state([3, 6], [0.75], 2);
    const reordered: ImageEganState = { ...b, d: { ...b.d, p: { "d.w.u": b.d.p["d.w.u"], "g.w": b.d.p["g.w"] } } };
    const mean = averageStates([a, reordered], a);
    expect(mean.parents[0].p["g.w"]).toEqual({ shape: [2], data: f(2, 4) });
    expect(mean.d.p["d.w.u"].data).toEqual(f(0.5));
    expect(mean.ema!["g.w"].data).toEqual(f(1, 2));
    expect(mean.draws).toEqual(a.draws);
  });

  it("refuses states of two architectures, naming the first place they differ", () => {
    const a = toyState(1, 1, 1);
    const wider: EganStateData = { ...a, d: { ...a.d, params: [f(1, 2)] } };
    expect(() => averageStates([a, wider], a)).toThrow("averageStates: the members differ at state.d.params[0] (2 values against 1 values): averaging needs one architecture");
    const deeper: EganStateData = { ...a, d: { ...a.d, params: [f(1), f(2)] } };
    expect(() => averageStates([a, deeper], a)).toThrow("averageStates: the members differ at state.d.params (a list of 2 against a list of 1): averaging needs one architecture");
  });
});
