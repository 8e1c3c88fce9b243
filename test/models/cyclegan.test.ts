// CycleGAN's networks at MNIST size: the declared weights, output shapes and ranges, instance norm
// against a float64 computation by hand (values and gradient, by central differences), each
// image's translation independent of its batch mates, and finite, non-zero gradients for every
// weight of G, F, D_A and D_B.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { adversarialLoss, cycleLoss, patchDLoss } from "../../src/losses/cycle-losses.ts";
import { cyclegan, CYCLEGAN_MODEL_DEFAULTS, instanceNorm, type CycleganSpec } from "../../src/models/image/cyclegan.ts";
import { ParamInit } from "../../src/models/image/params.ts";
import { gradsOf } from "../../src/trainers/named-grads.ts";
import { Rng } from "../../src/util/rng.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

const shape = { height: 28, width: 28, channels: 1 };
const spec: CycleganSpec = { shape, ...CYCLEGAN_MODEL_DEFAULTS };

function build(s: CycleganSpec = spec) {
  const m = cyclegan(s);
  const g = new ParamInit(new Rng(1));
  m.initGenerator(g, "g");
  m.initGenerator(g, "f");
  const d = new ParamInit(new Rng(2));
  m.initDiscriminator(d, "da");
  m.initDiscriminator(d, "db");
  return { m, g, d };
}

const shapeOf = (i: ParamInit, prefix: string) =>
  Object.fromEntries(
    Object.entries(i.arrays)
      .filter(([k]) => k.startsWith(`${prefix}.`))
      .map(([k, v]) => [k, v.shape]),
  );
const images = (n: number, seed: number) => tf.tensor4d(new Rng(seed).uniformArray(n * 28 * 28, -1, 1), [n, 28, 28, 1]);

describe("CycleGAN's networks at 28×28, w = 8, 3 blocks, v = 16", () => {
  it("declares G's ResNet (7×7 → two stride-2 3×3 → 3 blocks at 4w → two upsampling 3×3 → 7×7) without biases before instance norm", () => {
    const { g } = build();
    expect(shapeOf(g, "g")).toEqual({
      "g.c0.w": [7, 7, 1, 8],
      "g.down1.w": [3, 3, 8, 16],
      "g.down2.w": [3, 3, 16, 32],
      "g.res0.conv1.w": [3, 3, 32, 32],
      "g.res0.conv2.w": [3, 3, 32, 32],
      "g.res1.conv1.w": [3, 3, 32, 32],
      "g.res1.conv2.w": [3, 3, 32, 32],
      "g.res2.conv1.w": [3, 3, 32, 32],
      "g.res2.conv2.w": [3, 3, 32, 32],
      "g.up1.w": [3, 3, 32, 16],
      "g.up2.w": [3, 3, 16, 8],
      "g.out.w": [7, 7, 8, 1],
      "g.out.b": [1],
    });
    // F is the same network under its own names.
    expect(Object.keys(shapeOf(g, "f"))).toEqual(Object.keys(shapeOf(g, "g")).map((k) => k.replace(/^g\./, "f.")));
  });

  it("declares D's PatchGAN: 4×4/2 → v, 4×4/2 → 2v (instance norm, no bias), 4×4 → 1", () => {
    const { d } = build();
    expect(shapeOf(d, "db")).toEqual({
      "db.c1.w": [4, 4, 1, 16],
      "db.c1.b": [16],
      "db.c2.w": [4, 4, 16, 32],
      "db.out.w": [4, 4, 32, 1],
      "db.out.b": [1],
    });
  });

  it("G maps a batch to images of the same shape in [−1, 1]; D gives a 7×7 map of patch outputs", () => {
    const { m, g, d } = build();
    const [gp, dp] = [g.tensors(), d.tensors()];
    const x = images(3, 5);
    const y = tf.tidy(() => m.translate(gp, "g", x));
    expect(y.shape).toEqual([3, 28, 28, 1]);
    const v = y.dataSync();
    expect(v.every((t) => t >= -1 && t <= 1)).toBe(true);
    const o = tf.tidy(() => m.discriminate(dp, "da", y));
    expect(o.shape).toEqual([3, 7, 7, 1]);
    expect(m.patches).toEqual([7, 7]);
    tf.dispose([x, y, o, ...Object.values(gp), ...Object.values(dp)]);
  });

  it("an image's translation does not depend on its batch mates (instance norm is per image)", () => {
    const { m, g } = build();
    const gp = g.tensors();
    const x = images(4, 6);
    const together = tf.tidy(() => Array.from(m.translate(gp, "f", x).dataSync()));
    const alone = tf.tidy(() => Array.from(m.translate(gp, "f", tf.slice(x, [2, 0, 0, 0], [1, -1, -1, -1])).dataSync()));
    const third = together.slice(2 * 784, 3 * 784);
    alone.forEach((v, i) => expect(v).toBeCloseTo(third[i], 5));
    tf.dispose([x, ...Object.values(gp)]);
  });

  it("refuses a size that is not a multiple of 4 and a zero width", () => {
    expect(() => cyclegan({ ...spec, shape: { height: 30, width: 30, channels: 1 } })).toThrow(/multiple of 4/);
    expect(() => cyclegan({ ...spec, gWidth: 0 })).toThrow(/gWidth must be a positive integer/);
  });

  it("every weight of G, F, D_A and D_B gets a finite, non-zero gradient from CycleGAN's losses", () => {
    const { m, g, d } = build({ ...spec, blocks: 1 });
    const [gp, dp] = [g.tensors(), d.tensors()];
    const a = images(2, 7);
    const b = images(2, 8);
    const check = (grads: tf.Tensor[]) =>
      grads.forEach((t) => {
        const v = t.dataSync();
        expect(v.every(Number.isFinite)).toBe(true);
        expect(v.some((x) => x !== 0)).toBe(true);
      });
    tf.tidy(() => {
      check(
        gradsOf(gp, (w) => {
          const fb = m.translate(w, "g", a);
          const fa = m.translate(w, "f", b);
          const adv = tf.add(adversarialLoss("least-squares", "least-squares", m.discriminate(dp, "db", fb)), adversarialLoss("least-squares", "least-squares", m.discriminate(dp, "da", fa)));
          return tf.add(adv, cycleLoss(10, a, m.translate(w, "f", fb), b, m.translate(w, "g", fa))) as tf.Scalar;
        }),
      );
      check(
        gradsOf(dp, (w) =>
          tf.add(patchDLoss("least-squares", m.discriminate(w, "db", b), m.discriminate(w, "db", a)), patchDLoss("least-squares", m.discriminate(w, "da", a), m.discriminate(w, "da", b))) as tf.Scalar,
        ),
      );
    });
    tf.dispose([a, b, ...Object.values(gp), ...Object.values(dp)]);
  });
});

describe("instance norm against float64 by hand", () => {
  // x: 2 images, 3×2 pixels, 2 channels; c: fixed weights of the test loss Σ c·y.
  const N = 2, H = 3, W = 2, C = 2;
  const size = N * H * W * C;
  const x0 = Array.from(new Rng(11).uniformArray(size, -2, 2));
  const c = Array.from(new Rng(12).uniformArray(size, -1, 1));
  const at = (n: number, i: number, j: number, ch: number) => ((n * H + i) * W + j) * C + ch;

  function reference(x: number[], withRelu: boolean): number[] {
    const y = new Array<number>(size);
    for (let n = 0; n < N; n++) {
      for (let ch = 0; ch < C; ch++) {
        let mean = 0;
        for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) mean += x[at(n, i, j, ch)];
        mean /= H * W;
        let variance = 0;
        for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) variance += (x[at(n, i, j, ch)] - mean) ** 2;
        variance /= H * W;
        for (let i = 0; i < H; i++) {
          for (let j = 0; j < W; j++) {
            const v = (x[at(n, i, j, ch)] - mean) / Math.sqrt(variance + 1e-5);
            y[at(n, i, j, ch)] = withRelu ? Math.max(v, 0) : v;
          }
        }
      }
    }
    return y;
  }
  const loss = (x: number[], withRelu: boolean) => reference(x, withRelu).reduce((s, v, i) => s + c[i] * v, 0);

  for (const withRelu of [false, true]) {
    it(`${withRelu ? "with" : "without"} ReLU: values, and the gradient of Σ c·y against central differences`, () => {
      const xt = tf.tensor4d(x0, [N, H, W, C]);
      const ct = tf.tensor4d(c, [N, H, W, C]);
      const y = tf.tidy(() => Array.from(instanceNorm(xt, { relu: withRelu }).dataSync()));
      reference(x0, withRelu).forEach((v, i) => expect(y[i]).toBeCloseTo(v, 4));
      const g = tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(instanceNorm(x as tf.Tensor4D, { relu: withRelu }), ct)))(xt).dataSync()));
      const h = 1e-6;
      for (let i = 0; i < size; i++) {
        const plus = x0.slice();
        const minus = x0.slice();
        plus[i] += h;
        minus[i] -= h;
        const fd = (loss(plus, withRelu) - loss(minus, withRelu)) / (2 * h);
        expect(g[i]).toBeCloseTo(fd, 3);
      }
      tf.dispose([xt, ct]);
    });
  }
});
