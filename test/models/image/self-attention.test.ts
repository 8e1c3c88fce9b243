// Self-attention against an independent float64 computation written out loop by loop.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ParamInit, type Updates } from "../../../src/models/image/params.ts";
import { initSelfAttention, selfAttention } from "../../../src/models/image/self-attention.ts";
import { Rng } from "../../../src/util/rng.ts";
import { useWasm } from "../../helpers/tf-backend.ts";

beforeAll(useWasm);

const N = 2, H = 4, W = 4, C = 8;

/** y = x + γ·o(β g) for NHWC x, 1×1 weights stored [cin, cout] row-major, in float64 loops. */
function reference(x: Float32Array, wt: Float32Array, wp: Float32Array, wg: Float32Array, wo: Float32Array, gamma: number): number[] {
  const c8 = C / 8, c2 = C / 2;
  const px = (n: number, i: number, j: number, c: number) => x[((n * H + i) * W + j) * C + c];
  const proj = (n: number, i: number, j: number, w: Float32Array, k: number, cout: number) => {
    let s = 0;
    for (let c = 0; c < C; c++) s += px(n, i, j, c) * w[c * cout + k];
    return s;
  };
  /** Max over the 2×2 block (pi, pj) of a 1×1 projection, channel k. */
  const pooled = (n: number, pi: number, pj: number, w: Float32Array, k: number, cout: number) =>
    Math.max(...[0, 1].flatMap((a) => [0, 1].map((b) => proj(n, 2 * pi + a, 2 * pj + b, w, k, cout))));
  const y: number[] = [];
  for (let n = 0; n < N; n++) {
    const pos = Array.from({ length: (H * W) / 4 }, (_, q) => [Math.floor(q / (W / 2)), q % (W / 2)]);
    const phi = pos.map(([pi, pj]) => Array.from({ length: c8 }, (_, k) => pooled(n, pi, pj, wp, k, c8)));
    const g = pos.map(([pi, pj]) => Array.from({ length: c2 }, (_, k) => pooled(n, pi, pj, wg, k, c2)));
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const theta = Array.from({ length: c8 }, (_, k) => proj(n, i, j, wt, k, c8));
        const logits = phi.map((f) => f.reduce((s, v, k) => s + v * theta[k], 0));
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((a, b) => a + b, 0);
        const beta = e.map((v) => v / z);
        const att = Array.from({ length: c2 }, (_, k) => beta.reduce((s, b, q) => s + b * g[q][k], 0));
        for (let c = 0; c < C; c++) {
          const o = att.reduce((s, a, k) => s + a * wo[k * C + c], 0);
          y.push(px(n, i, j, c) + gamma * o);
        }
      }
  }
  return y;
}

describe("selfAttention", () => {
  const rng = new Rng(11);
  const x = rng.normalArray(N * H * W * C);
  const init = new ParamInit(new Rng(12));
  initSelfAttention(init, "att", C);

  it("declares θ, φ [1,1,C,C/8], g [1,1,C,C/2], o [1,1,C/2,C] and γ = [0]", () => {
    expect(Object.entries(init.arrays).map(([k, v]) => [k, v.shape])).toEqual([
      ["att.theta", [1, 1, 8, 1]],
      ["att.phi", [1, 1, 8, 1]],
      ["att.g", [1, 1, 8, 4]],
      ["att.o", [1, 1, 4, 8]],
      ["att.gamma", [1]],
    ]);
    expect(Array.from(init.arrays["att.gamma"].data)).toEqual([0]);
  });

  it("returns its input exactly when γ = 0", () => {
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const p = init.tensors();
      return selfAttention(tf.tensor4d(x, [N, H, W, C]), p, "att").dataSync();
    });
    expect(Array.from(got)).toEqual(Array.from(x));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("with γ = 0.7 matches the float64 reference (random θ, φ, g, o; two samples)", () => {
    const r = new Rng(13);
    const wt = r.normalArray(C), wp = r.normalArray(C), wg = r.normalArray(C * 4), wo = r.normalArray(4 * C);
    const got = tf.tidy(() => {
      const p = {
        "att.theta": tf.tensor(wt, [1, 1, C, 1]),
        "att.phi": tf.tensor(wp, [1, 1, C, 1]),
        "att.g": tf.tensor(wg, [1, 1, C, 4]),
        "att.o": tf.tensor(wo, [1, 1, 4, C]),
        "att.gamma": tf.tensor1d([0.7]),
      };
      return Array.from(selfAttention(tf.tensor4d(x, [N, H, W, C]), p, "att").dataSync());
    });
    const want = reference(x, wt, wp, wg, wo, 0.7);
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    // and attention did change the input
    expect(Math.max(...got.map((v, i) => Math.abs(v - x[i])))).toBeGreaterThan(0.1);
  });

  it("with sn, every 1×1 weight has a .u buffer and a forward pass records all four", () => {
    const sninit = new ParamInit(new Rng(14));
    initSelfAttention(sninit, "a", 16, { sn: true });
    expect(Object.keys(sninit.arrays).filter((k) => k.endsWith(".u"))).toEqual(["a.theta.u", "a.phi.u", "a.g.u", "a.o.u"]);
    const updates: Updates = new Map();
    tf.tidy(() => {
      selfAttention(tf.tensor4d(new Rng(15).normalArray(256), [1, 4, 4, 16]), sninit.tensors(), "a", updates);
    });
    expect([...updates.keys()].sort()).toEqual(["a.g.u", "a.o.u", "a.phi.u", "a.theta.u"]);
  });

  it("gradients match the block written op by op (θ, φ, g as three convs, φ and g pooled apart)", () => {
    const r = new Rng(16);
    const names = ["theta", "phi", "g", "o"];
    const shapes = [[1, 1, C, 1], [1, 1, C, 1], [1, 1, C, 4], [1, 1, 4, C]];
    const ws = shapes.map((sh) => r.normalArray(sh.reduce((a, b) => a * b, 1)));
    const up = r.normalArray(N * H * W * C);
    const opByOp = (x: tf.Tensor4D, p: Record<string, tf.Tensor>) => {
      const proj = (a: tf.Tensor4D, k: string) => tf.conv2d(a, p[`att.${k}`] as tf.Tensor4D, 1, "valid");
      const pool = (a: tf.Tensor4D) => tf.maxPool(a, 2, 2, "valid");
      const theta = tf.reshape(proj(x, "theta"), [N, H * W, C / 8]);
      const phi = tf.reshape(pool(proj(x, "phi")), [N, (H * W) / 4, C / 8]);
      const g = tf.reshape(pool(proj(x, "g")), [N, (H * W) / 4, C / 2]);
      const att = tf.reshape(tf.matMul(tf.softmax(tf.matMul(theta, phi, false, true)), g), [N, H, W, C / 2]) as tf.Tensor4D;
      return tf.add(x, tf.mul(p["att.gamma"], proj(att, "o")));
    };
    const before = tf.memory().numTensors;
    const [want, got] = tf.tidy(() => {
      const args = [tf.tensor4d(x, [N, H, W, C]), ...ws.map((w, i) => tf.tensor(w, shapes[i])), tf.tensor1d([0.7])];
      const params = (a: tf.Tensor[]) => Object.fromEntries([...names.map((k, i) => [`att.${k}`, a[i + 1]]), ["att.gamma", a[5]]]);
      const grads = (f: (x: tf.Tensor4D, p: Record<string, tf.Tensor>) => tf.Tensor) =>
        tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(a[0] as tf.Tensor4D, params(a)), tf.tensor4d(up, [N, H, W, C]))))(args).map((t) => Array.from(t.dataSync()));
      return [grads(opByOp), grads((a, p) => selfAttention(a, p, "att"))];
    });
    expect(tf.memory().numTensors).toBe(before);
    want.forEach((g, k) => g.forEach((v, i) => expect(got[k][i]).toBeCloseTo(v, 4)));
  });
});
