// PGGAN at MNIST size: every stage's parameters at init, full-size images and one logit per
// image at every growth point, the fade-in wiring (α = 0 at a new stage is exactly the previous
// stage, for G and for D; mid-fade G blends the two stages' pre-tanh images), parameters outside
// a growth point get zero gradients and the others finite, non-zero ones, and the parameter count
// against evogan's DCGAN at width 32.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dcgan } from "../../../src/models/image/dcgan.ts";
import type { ImageGanModel } from "../../../src/models/image/image-model.ts";
import { ParamInit, type Params } from "../../../src/models/image/params.ts";
import { pggan, type Pggan } from "../../../src/models/image/pggan.ts";
import { gradsOf } from "../../../src/trainers/named-grads.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const shape = { height: 28, width: 28, channels: 1 };
const pg: Pggan = pggan({ zDim: 8, width: 8, shape });

/** Every declared parameter random, biases included (at init they are 0, which would hide wiring). */
function randomParams(declare: (i: ParamInit) => void, seed: number): Record<string, tf.Tensor> {
  const init = new ParamInit(new Rng(seed));
  declare(init);
  const rng = new Rng(seed, 9);
  const out: Record<string, tf.Tensor> = {};
  for (const [name, { shape: s, data }] of Object.entries(init.arrays)) out[name] = tf.tensor(name.endsWith(".b") ? rng.normalArray(data.length, 0, 0.3) : data, s);
  return out;
}

const count = (declare: (i: ParamInit) => void) => {
  const init = new ParamInit(new Rng(1));
  declare(init);
  return Object.values(init.arrays).reduce((s, a) => s + a.data.length, 0);
};

let g: Record<string, tf.Tensor>;
let d: Record<string, tf.Tensor>;
let z: tf.Tensor2D;
let x: tf.Tensor4D;
beforeAll(() => {
  g = randomParams(pg.initG, 1);
  d = randomParams(pg.initD, 2);
  z = tf.tensor2d(new Rng(3).normalArray(8 * 8), [8, 8]);
  x = tf.tensor4d(new Rng(4).uniformArray(8 * 28 * 28, -1, 1), [8, 28, 28, 1]);
});

const gen = (m: ImageGanModel, p: Params = g) => tf.tidy(() => Array.from(m.generate(p, z, undefined).dataSync()));
const disc = (m: ImageGanModel, p: Params = d) => tf.tidy(() => Array.from(m.discriminate(p, x, undefined).dataSync()));

describe("PGGAN's structure", () => {
  it("resolutions 7, 14, 28 with channels 2w, w, w/2; every stage declared at init", () => {
    expect(pg.resolutions).toEqual([7, 14, 28]);
    expect(pg.channels).toEqual([16, 8, 4]);
    expect(Object.keys(g)).toEqual(["g.base.fc.w", "g.base.fc.b", "g.base.conv.w", "g.base.conv.b", "g.block1.conv1.w", "g.block1.conv1.b", "g.block1.conv2.w", "g.block1.conv2.b", "g.block2.conv1.w", "g.block2.conv1.b", "g.block2.conv2.w", "g.block2.conv2.b", "g.rgb0.w", "g.rgb0.b", "g.rgb1.w", "g.rgb1.b", "g.rgb2.w", "g.rgb2.b"]);
    expect(g["g.base.fc.w"].shape).toEqual([8, 7 * 7 * 16]);
    expect(g["g.block2.conv1.w"].shape).toEqual([3, 3, 8, 4]);
    expect(d["d.block2.conv2.w"].shape).toEqual([3, 3, 4, 8]);
    expect(d["d.final.conv.w"].shape).toEqual([3, 3, 17, 16]); // + the minibatch-stddev channel
    expect(d["d.final.fc.w"].shape).toEqual([7 * 7 * 16, 1]);
    // A growth point declares the same parameters as the whole model: checkpoints have one shape.
    const names = (m: ImageGanModel) => {
      const i = new ParamInit(new Rng(1));
      m.initG(i);
      m.initD(i);
      return Object.entries(i.arrays).map(([k, v]) => `${k}:${v.shape}`);
    };
    expect(names(pg.atGrowth(0, 1))).toEqual(names(pg.atGrowth(2, 0.3)));
  });

  it("rejects a stage outside 0..2, an α outside [0, 1], and an image size not divisible by 2^(S−1)", () => {
    expect(() => pg.atGrowth(3, 1)).toThrow(/stage must be an integer in 0\.\.2/);
    expect(() => pg.atGrowth(1, 1.5)).toThrow(/α must be in \[0, 1\]/);
    expect(() => pggan({ zDim: 8, width: 8, shape: { height: 30, width: 30, channels: 1 } })).toThrow(/not a multiple of 2\^2/);
    expect(pggan({ zDim: 8, width: 8, shape: { height: 32, width: 32, channels: 3 }, stages: 4 }).resolutions).toEqual([4, 8, 16, 32]);
  });

  it.each([
    [0, 1],
    [1, 0.5],
    [1, 1],
    [2, 0.25],
    [2, 1],
  ])("stage %i, α = %f: 8 images 28×28×1 in [−1, 1] made of 2^(2−stage)-pixel blocks, 8 finite logits", (stage, alpha) => {
    const m = pg.atGrowth(stage, alpha);
    const img = gen(m);
    expect(img).toHaveLength(8 * 28 * 28);
    expect(img.every((v) => v >= -1 && v <= 1)).toBe(true);
    const block = 2 ** (2 - stage);
    let blocky = true;
    for (let n = 0; n < 8; n++)
      for (let i = 0; i < 28; i++)
        for (let j = 0; j < 28; j++) blocky &&= img[(n * 28 + i) * 28 + j] === img[(n * 28 + i - (i % block)) * 28 + j - (j % block)];
    expect(blocky).toBe(true);
    expect(new Set(img).size).toBeGreaterThan(100); // not constant either
    const logits = disc(m);
    expect(logits).toHaveLength(8);
    expect(logits.every(Number.isFinite)).toBe(true);
  });
});

describe("the fade-in wiring", () => {
  it.each([1, 2])("G: stage %i at α = 0 draws exactly stage − 1's images; at α = 1 it ignores the previous toRGB", (stage) => {
    expect(gen(pg.atGrowth(stage, 0))).toEqual(gen(pg.atGrowth(stage - 1, 1)));
    expect(gen(pg.atGrowth(stage, 0))).not.toEqual(gen(pg.atGrowth(stage, 1)));
    const moved = { ...g, [`g.rgb${stage - 1}.w`]: tf.mul(g[`g.rgb${stage - 1}.w`], 3) };
    expect(gen(pg.atGrowth(stage, 1), moved)).toEqual(gen(pg.atGrowth(stage, 1)));
    expect(gen(pg.atGrowth(stage, 0.5), moved)).not.toEqual(gen(pg.atGrowth(stage, 0.5)));
    moved[`g.rgb${stage - 1}.w`].dispose();
  });

  it("G mid-fade: atanh of the image is (1 − α)·(previous stage's) + α·(new stage's), α = 0.3", () => {
    const alpha = 0.3;
    const [mid, prev, next] = [pg.atGrowth(2, alpha), pg.atGrowth(1, 1), pg.atGrowth(2, 1)].map((m) => gen(m));
    let worst = 0;
    mid.forEach((v, i) => (worst = Math.max(worst, Math.abs(Math.atanh(v) - ((1 - alpha) * Math.atanh(prev[i]) + alpha * Math.atanh(next[i]))))));
    expect(Math.max(...mid.map(Math.abs))).toBeLessThan(0.999); // atanh well conditioned
    expect(worst).toBeLessThan(1e-3);
  });

  it.each([1, 2])("D: stage %i at α = 0 scores exactly as stage − 1; at α = 1 it ignores the previous fromRGB", (stage) => {
    expect(disc(pg.atGrowth(stage, 0))).toEqual(disc(pg.atGrowth(stage - 1, 1)));
    expect(disc(pg.atGrowth(stage, 0))).not.toEqual(disc(pg.atGrowth(stage, 1)));
    const moved = { ...d, [`d.rgb${stage - 1}.w`]: tf.mul(d[`d.rgb${stage - 1}.w`], 3) };
    expect(disc(pg.atGrowth(stage, 1), moved)).toEqual(disc(pg.atGrowth(stage, 1)));
    expect(disc(pg.atGrowth(stage, 0.5), moved)).not.toEqual(disc(pg.atGrowth(stage, 0.5)));
    moved[`d.rgb${stage - 1}.w`].dispose();
  });
});

describe("gradients at a growth point", () => {
  const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);

  it.each([
    [0, 1, ["g.base", "g.rgb0"], ["g.block1", "g.block2", "g.rgb1", "g.rgb2"]],
    [1, 0.5, ["g.base", "g.block1", "g.rgb0", "g.rgb1"], ["g.block2", "g.rgb2"]],
    [2, 1, ["g.base", "g.block1", "g.block2", "g.rgb2"], ["g.rgb0", "g.rgb1"]],
  ])("stage %i, α = %f: G's loss through D gives finite non-zero gradients to %j and zeros to %j", (stage, alpha, used, unused) => {
    const m = pg.atGrowth(stage, alpha);
    const grads = tf.tidy(() => {
      const gs = gradsOf(g, (p) => tf.mean(tf.softplus(tf.neg(m.discriminate(d, m.generate(p, z, undefined), undefined)))) as tf.Scalar);
      return Object.fromEntries(Object.keys(g).map((n, i) => [n, tf.keep(gs[i])]));
    });
    for (const [name, t] of Object.entries(grads)) {
      const v = maxAbs(t);
      expect(Number.isFinite(v)).toBe(true);
      if (unused.some((u) => name.startsWith(`${u}.`))) expect(v).toBe(0);
      else if (used.some((u) => name.startsWith(`${u}.`))) expect(v).toBeGreaterThan(0);
      else throw new Error(`unexpected parameter ${name}`);
    }
    tf.dispose(Object.values(grads));
  });

  it("D's loss at stage 1 mid-fade: finite gradients, zero only for the stage-2 parameters", () => {
    const m = pg.atGrowth(1, 0.5);
    const names = Object.keys(d);
    const values = tf.tidy(() => gradsOf(d, (p) => tf.add(tf.mean(tf.softplus(tf.neg(m.discriminate(p, x, undefined)))), 0) as tf.Scalar).map((t) => tf.max(tf.abs(t)).dataSync()[0]));
    values.forEach((v, i) => {
      expect(Number.isFinite(v)).toBe(true);
      if (/^d\.(block2|rgb2)\./.test(names[i])) expect(v).toBe(0);
      else expect(v).toBeGreaterThan(0);
    });
  });
});

describe("size", () => {
  it("at width 32, zDim 32: G 175,187 and D 75,569 parameters, against DCGAN's 136,993 and 36,513", () => {
    const p = pggan({ zDim: 32, width: 32, shape });
    const dc = dcgan({ zDim: 32, width: 32, shape });
    // G: fc 32·3136 + 3136; base conv 9·64·64 + 64; block1 9·64·32 + 32 + 9·32·32 + 32;
    //    block2 9·32·16 + 16 + 9·16·16 + 16; toRGB 64 + 1, 32 + 1, 16 + 1.
    const gHand = 32 * 3136 + 3136 + (9 * 64 * 64 + 64) + (9 * 64 * 32 + 32 + 9 * 32 * 32 + 32) + (9 * 32 * 16 + 16 + 9 * 16 * 16 + 16) + (65 + 33 + 17);
    // D: fromRGB 2·64, 2·32, 2·16; block2 9·16·16 + 16 + 9·16·32 + 32; block1 9·32·32 + 32 + 9·32·64 + 64;
    //    final conv 9·65·64 + 64; fc 3136 + 1.
    const dHand = 128 + 64 + 32 + (9 * 16 * 16 + 16 + 9 * 16 * 32 + 32) + (9 * 32 * 32 + 32 + 9 * 32 * 64 + 64) + (9 * 65 * 64 + 64) + 3137;
    expect(count(p.initG)).toBe(gHand);
    expect(count(p.initD)).toBe(dHand);
    expect([gHand, dHand]).toEqual([175_187, 75_569]);
    expect([count(dc.initG), count(dc.initD)]).toEqual([136_993, 36_513]);
  });
});
