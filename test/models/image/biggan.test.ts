// BigGAN's assembly at MNIST size: attention goes where a block has the chosen resolution,
// skip-z splits z into one chunk per block plus one, the conditional pieces exist only when asked
// for, and a forward pass gives 28×28 images in [−1, 1] and one logit per image.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { biggan, zChunks, type BigganSpec } from "../../../src/models/image/biggan.ts";
import { ParamInit, trainableNames } from "../../../src/models/image/params.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const spec: BigganSpec = { zDim: 12, width: 8, shape: { height: 28, width: 28, channels: 1 }, numClasses: 10, attention: true, attentionResolution: 14, sharedEmbedding: true, embedDim: 4, skipZ: true, spectralNorm: true };

function shapes(s: BigganSpec): { g: Record<string, number[]>; d: Record<string, number[]> } {
  const m = biggan(s);
  const g = new ParamInit(new Rng(1));
  m.initG(g);
  const d = new ParamInit(new Rng(2));
  m.initD(d);
  const of = (i: ParamInit) => Object.fromEntries(Object.entries(i.arrays).map(([k, v]) => [k, v.shape]));
  return { g: of(g), d: of(d) };
}

describe("BigGAN at 28×28", () => {
  it.each([
    [14, [1, 1, 8, 1], [1, 1, 8, 1]], // after G's first block (ch = 8 channels) and D's first block (ch)
    [28, [1, 1, 8, 1], undefined], // after G's last block only
    [7, undefined, [1, 1, 16, 2]], // after D's second block (2ch) only
  ])("attention at resolution %i sits where a block outputs that size", (r, g, d) => {
    const p = shapes({ ...spec, attentionResolution: r });
    expect(p.g["g.attn.theta"]).toEqual(g);
    expect(p.d["d.attn.theta"]).toEqual(d);
  });

  it("skip-z splits z into three chunks, the first taking the remainder; conditional BN sees [embedding, chunk]", () => {
    expect(zChunks(12, true)).toEqual([4, 4, 4]);
    expect(zChunks(14, true)).toEqual([6, 4, 4]);
    expect(zChunks(14, false)).toEqual([14, 0, 0]);
    const p = shapes(spec);
    expect(p.g["g.fc.w"]).toEqual([4, 7 * 7 * 16]);
    expect(p.g["g.block0.bn1.gain"]).toEqual([4 + 4, 16]);
    expect(p.g["g.shared"]).toEqual([10, 4]);
    const plain = shapes({ ...spec, numClasses: 0, skipZ: false, spectralNorm: false });
    expect(plain.g["g.shared"]).toBeUndefined();
    expect(plain.g["g.block0.bn1.gamma"]).toEqual([16]);
    expect(Object.keys(plain.g).some((k) => k.endsWith(".u"))).toBe(false);
    expect(plain.d["d.head.embed"]).toBeUndefined();
  });

  it("generates 28×28×1 images in [−1, 1] and one logit per image", () => {
    const m = biggan(spec);
    const g = new ParamInit(new Rng(1));
    m.initG(g);
    const d = new ParamInit(new Rng(2));
    m.initD(d);
    const gp = g.tensors();
    const dp = d.tensors();
    const before = tf.memory().numTensors;
    const [x, logits] = tf.tidy(() => {
      const y = tf.tensor1d([0, 1, 2, 3], "int32");
      const img = m.generate(gp, tf.randomNormal([4, 12]) as tf.Tensor2D, y);
      return [img, m.discriminate(dp, img, y)];
    });
    expect(x.shape).toEqual([4, 28, 28, 1]);
    expect(logits.shape).toEqual([4]);
    const v = x.dataSync();
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    tf.dispose([x, logits]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(gp), ...Object.values(dp)]);
  });

  it("gives the same images and logits on the tape (custom-gradient nodes) as off it (fused kernels), and leaks nothing", () => {
    const m = biggan(spec);
    const g = new ParamInit(new Rng(1));
    m.initG(g);
    const d = new ParamInit(new Rng(2));
    m.initD(d);
    const gp = g.tensors();
    const dp = d.tensors();
    const before = tf.memory().numTensors;
    const [offTape, onTape] = tf.tidy(() => {
      const y = tf.tensor1d([0, 1, 2, 3], "int32");
      const z = tf.randomNormal([4, 12], 0, 1, "float32", 3) as tf.Tensor2D;
      const run = () => {
        const img = m.generate(gp, z, y);
        return [...img.dataSync(), ...m.discriminate(dp, img, y).dataSync()];
      };
      const plain = run();
      let taped: number[] = [];
      const names = trainableNames(gp);
      tf.grads((...ws: tf.Tensor[]) => {
        const q = { ...gp, ...Object.fromEntries(names.map((k, i) => [k, ws[i]])) };
        const img = m.generate(q, z, y);
        const logits = m.discriminate(dp, img, y);
        taped = [...img.dataSync(), ...logits.dataSync()];
        return tf.sum(logits) as tf.Scalar;
      })(names.map((k) => gp[k]));
      return [plain, taped];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(onTape.length).toBe(offTape.length);
    onTape.forEach((v, i) => expect(v).toBeCloseTo(offTape[i], 5));
    tf.dispose([...Object.values(gp), ...Object.values(dp)]);
  });
});
