// DCGAN's two optional D parts (src/models/image/dcgan.ts), checked by properties that fail when
// they are not wired in:
//   spectralNorm: D(x; c·W) = D(x; W) for every weight scaled by c > 0 (W/σ(W) is scale-free,
//     the power iteration's u too), which a plain D breaks;
//   minibatchStd: with D's linear layer reading only the stddev channel, a batch whose groups of 4
//     hold four copies of one image scores 7·7·√ε (its stddev is 0), a varied batch more, and the
//     samples of one group (i ≡ j mod N/4) score alike.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dcgan, type DcganSpec } from "../../../src/models/image/dcgan.ts";
import { ParamInit } from "../../../src/models/image/params.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const shape = { height: 28, width: 28, channels: 1 };
const base: DcganSpec = { zDim: 8, width: 8, shape };

function dParams(spec: DcganSpec): Record<string, tf.Tensor> {
  const init = new ParamInit(new Rng(3));
  dcgan(spec).initD(init);
  return init.tensors();
}

/** Images in [-1, 1], n of them, from a seeded stream. */
const images = (n: number, seed: number) => tf.tensor4d(new Rng(seed).uniformArray(n * 28 * 28, -1, 1), [n, 28, 28, 1]);

describe("DCGAN's optional D parts", () => {
  it("declares a power-iteration vector for each D weight with spectralNorm, and one more fc input per pixel with minibatchStd", () => {
    const plain = dParams(base);
    const sn = dParams({ ...base, spectralNorm: true });
    const mb = dParams({ ...base, minibatchStd: true });
    expect(Object.keys(plain).sort()).toEqual(["d.conv1.b", "d.conv1.w", "d.conv2.b", "d.conv2.w", "d.fc.b", "d.fc.w"]);
    expect(Object.keys(sn).filter((k) => k.endsWith(".u")).sort()).toEqual(["d.conv1.w.u", "d.conv2.w.u", "d.fc.w.u"]);
    expect(sn["d.conv2.w.u"]!.shape).toEqual([16]);
    expect(plain["d.fc.w"]!.shape).toEqual([7 * 7 * 16, 1]);
    expect(mb["d.fc.w"]!.shape).toEqual([7 * 7 * 17, 1]);
  });

  it("with spectralNorm, scaling every D weight by 7 leaves the logits unchanged; without it, it does not", () => {
    const x = images(6, 5);
    for (const spectralNorm of [true, false]) {
      const m = dcgan({ ...base, spectralNorm });
      const p = dParams({ ...base, spectralNorm });
      const scaled = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k.endsWith(".w") ? tf.mul(v, 7) : v]));
      const a = m.discriminate(p, x, undefined).arraySync();
      const b = m.discriminate(scaled, x, undefined).arraySync();
      const gap = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      const size = Math.max(...a.map(Math.abs));
      if (spectralNorm) expect(gap).toBeLessThan(1e-4 * Math.max(1, size));
      else expect(gap).toBeGreaterThan(0.5 * size);
    }
  });

  it("with minibatchStd, the stddev channel scores a batch of repeated images 7·7·√ε, a varied batch more, alike within a group", () => {
    const spec = { ...base, minibatchStd: true };
    const m = dcgan(spec);
    const p = dParams(spec);
    // fc reads only channel 16 (the stddev) of each of the 7×7 pixels, with weight 1; no bias.
    const w = new Float32Array(7 * 7 * 17);
    for (let i = 16; i < w.length; i += 17) w[i] = 1;
    const q = { ...p, "d.fc.w": tf.tensor2d(w, [w.length, 1]), "d.fc.b": tf.zeros([1]) };
    // 8 images in groups of 4: sample i is in group i mod 2. Repeats: every group holds one image 4 times.
    const two = images(2, 7);
    const repeated = tf.concat([two, two, two, two]);
    const same = m.discriminate(q, repeated as tf.Tensor4D, undefined).arraySync();
    for (const v of same) expect(v).toBeCloseTo(49 * Math.sqrt(1e-8), 6);
    const varied = m.discriminate(q, images(8, 9), undefined).arraySync();
    for (let i = 0; i < 8; i++) {
      expect(varied[i]!).toBeGreaterThan(10 * same[i]!);
      expect(varied[i]!).toBeCloseTo(varied[i % 2]!, 5);
    }
    expect(Math.abs(varied[0]! - varied[1]!)).toBeGreaterThan(1e-6);
  });
});
