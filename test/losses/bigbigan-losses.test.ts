// BigBiGAN's D and E/G losses on hand-computed scores.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { bigbiganDLoss, bigbiganEGLoss, type BiScores } from "../../src/losses/bigbigan-losses.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

// Real pairs (x, E(x)), batch 2; fake pairs (G(z), z), batch 3 (batches may differ).
const realS = { sx: [2, 0], sz: [0.5, -1], sxz: [1.5, 0.2] };
const fakeS = { sx: [-2, 0.5, 0], sz: [1, -3, 0], sxz: [-0.5, 0.4, 2] };
const scores = (s: typeof realS): BiScores => ({ sx: tf.tensor1d(s.sx), sz: tf.tensor1d(s.sz), sxz: tf.tensor1d(s.sxz) });

// h(t) = max(0, 1 − t). Real terms use h(s), fake terms h(−s):
//   real s_x : h(2) = 0,    h(0) = 1                  → mean 0.5
//   real s_z : h(0.5) = 0.5, h(−1) = 2                → mean 1.25
//   real s_xz: h(1.5) = 0,  h(0.2) = 0.8              → mean 0.4
//   fake s_x : h(2) = 0, h(−0.5) = 1.5, h(0) = 1      → mean 2.5/3
//   fake s_z : h(−1) = 2, h(3) = 0, h(0) = 1          → mean 1
//   fake s_xz: h(0.5) = 0.5, h(−0.4) = 1.4, h(−2) = 3 → mean 4.9/3
const D = { rx: 0.5, rz: 1.25, rxz: 0.4, fx: 2.5 / 3, fz: 1, fxz: 4.9 / 3 };
// Means of the raw scores: real s_x 1, s_z −0.25, s_xz 0.85; fake s_x −0.5, s_z −2/3, s_xz 1.9/3.
const M = { rx: 1, rz: -0.25, rxz: 0.85, fx: -0.5, fz: -2 / 3, fxz: 1.9 / 3 };

const cases = [
  { sx: true, sz: true, d: D.rx + D.rz + D.rxz + D.fx + D.fz + D.fxz, eg: M.rx + M.rz + M.rxz - (M.fx + M.fz + M.fxz) },
  { sx: false, sz: true, d: D.rz + D.rxz + D.fz + D.fxz, eg: M.rz + M.rxz - (M.fz + M.fxz) },
  { sx: true, sz: false, d: D.rx + D.rxz + D.fx + D.fxz, eg: M.rx + M.rxz - (M.fx + M.fxz) },
  { sx: false, sz: false, d: D.rxz + D.fxz, eg: M.rxz - M.fxz },
];

describe("BigBiGAN losses", () => {
  for (const { sx, sz, d, eg } of cases) {
    it(`s_x ${sx ? "on" : "off"}, s_z ${sz ? "on" : "off"}: L_D = ${d.toFixed(4)}, L_EG = ${eg.toFixed(4)}`, () => {
      const before = tf.memory().numTensors;
      const [ld, leg] = tf.tidy(() => {
        const real = scores(realS), fake = scores(fakeS);
        return [bigbiganDLoss(real, fake, { sx, sz }).dataSync()[0], bigbiganEGLoss(real, fake, { sx, sz }).dataSync()[0]];
      });
      expect(ld).toBeCloseTo(d, 5);
      expect(leg).toBeCloseTo(eg, 5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("∂L_EG/∂s: +1/N_real on real scores, −1/N_fake on fake ones", () => {
    const g = tf.tidy(() => {
      const fake = scores(fakeS);
      const [gr, gf] = tf.grads((r: tf.Tensor, f: tf.Tensor) =>
        bigbiganEGLoss({ sx: r as tf.Tensor1D, sz: r as tf.Tensor1D, sxz: r as tf.Tensor1D }, { ...fake, sxz: f as tf.Tensor1D }, { sx: false, sz: false }),
      )([tf.tensor1d(realS.sxz), fake.sxz]);
      return [Array.from(gr.dataSync()), Array.from(gf.dataSync())];
    });
    g[0].forEach((v) => expect(v).toBeCloseTo(0.5, 6));
    g[1].forEach((v) => expect(v).toBeCloseTo(-1 / 3, 6));
  });
});
