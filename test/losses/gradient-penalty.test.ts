// WGAN-GP: the penalty and the losses on a linear critic, where ∇_x D = w is known by hand; the
// penalty's gradient with respect to a small conv critic's parameters (a second-order gradient:
// tfjs differentiates its own backward pass) against central finite differences of a float64 JS
// evaluation, on wasm (evogan's kernels, with and without the native GEMM) and cpu; and PGGAN's
// whole D mid-fade (minibatch stddev, pooling, fade): the cpu backend against PyTorch's float64
// double backprop, and wasm against cpu.
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradientPenalty, interpolate, wganCriticLoss, wganGeneratorLoss, wganGpDLoss, type Critic } from "../../src/losses/gradient-penalty.ts";
import { ParamInit, type Params } from "../../src/models/image/params.ts";
import { eqConv, eqDense, heScale, lrelu, pool2x } from "../../src/models/image/pggan-layers.ts";
import { pggan } from "../../src/models/image/pggan.ts";
import { valueAndGradsOf } from "../../src/trainers/named-grads.ts";
import { Rng } from "../../src/util/rng.ts";
import { PYTHON, skipWithout } from "../export/python.ts";
import { kernelModes, useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);
afterAll(useWasm);

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** The linear critic D(x) = Σ w·x + b over [N, 2, 2, 1] images. */
const linearCritic =
  (w: number[], b: number): Critic =>
  (x) =>
    tf.reshape(tf.add(tf.matMul(tf.reshape(x, [x.shape[0], -1]), tf.tensor2d(w, [w.length, 1])), b), [-1]) as tf.Tensor1D;

describe("on a linear critic D(x) = w·x + b (∇_x D = w for every x̂)", () => {
  const w = [1.5, 1.5, 1.5, 1.5]; // ‖w‖ = 3
  const real = [
    [1, 0, 0, 1],
    [0, 2, 0, 0],
  ];
  const fake = [
    [0, 0, 1, 0],
    [1, 1, 1, 1],
  ];
  const img = (rows: number[][]) => tf.tensor4d(rows.flat(), [rows.length, 2, 2, 1]);

  it("x̂ = ε·x + (1 − ε)·x̃ per sample: ε = (0.25, 1)", () => {
    const x = tf.tidy(() => read(interpolate(img(real), img(fake), tf.tensor1d([0.25, 1]))));
    expect(x).toEqual([0.25, 0, 0.75, 0.25, 0, 2, 0, 0]);
  });

  it("penalty = λ(‖w‖ − 1)² = 10·4 = 40 whatever x̂; λ = 1 gives 4; no tensor left behind", () => {
    const tensors = tf.memory().numTensors;
    const [p10, p1] = tf.tidy(() => {
      const xHat = interpolate(img(real), img(fake), tf.tensor1d([0.3, 0.9]));
      return [gradientPenalty(linearCritic(w, 0.5), xHat), gradientPenalty(linearCritic(w, 0.5), xHat, 1)].map((t) => t.dataSync()[0]);
    });
    expect(p10).toBeCloseTo(40, 4);
    expect(p1).toBeCloseTo(4, 5);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("∂penalty/∂w = 2λ(‖w‖ − 1)·w/‖w‖ = 20 per entry, ∂/∂b = 0", () => {
    const g = tf.tidy(() => {
      const xHat = interpolate(img(real), img(fake), tf.tensor1d([0.3, 0.9]));
      const [gw, gb] = tf.grads((wt: tf.Tensor, bt: tf.Tensor) =>
        tf.add(
          gradientPenalty((x) => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [x.shape[0], -1]), tf.reshape(wt, [4, 1])), bt), [-1]) as tf.Tensor1D, xHat),
          tf.mul(0, tf.sum(bt)), // b is not on the penalty's path: a zero term keeps tf.grads from refusing it
        ) as tf.Scalar,
      )([tf.tensor1d(w), tf.scalar(0.5)]);
      return [...read(gw), ...read(gb)];
    });
    for (const v of g.slice(0, 4)) expect(v).toBeCloseTo(20, 3);
    expect(g[4]).toBe(0);
  });

  it("L_D = E[D(x̃)] − E[D(x)] + penalty + 0.001·E[D(x)²]; L_G = −E[D(x̃)]", () => {
    // D(real) = 1.5·(2, 2) + 0.5 = (3.5, 3.5); D(fake) = 1.5·(1, 4) + 0.5 = (2, 6.5).
    const parts = tf.tidy(() => {
      const r = wganGpDLoss(linearCritic(w, 0.5), img(real), img(fake), tf.tensor1d([0.2, 0.7]));
      return [r.loss, r.wasserstein, r.penalty, r.drift, wganGeneratorLoss(r.fakeScores), wganCriticLoss(tf.tensor1d([3.5, 3.5]), r.fakeScores)].map((t) => t.dataSync()[0]);
    });
    const wass = (2 + 6.5) / 2 - 3.5;
    const drift = 0.001 * 3.5 * 3.5;
    expect(parts[1]).toBeCloseTo(wass, 5);
    expect(parts[2]).toBeCloseTo(40, 4);
    expect(parts[3]).toBeCloseTo(drift, 7);
    expect(parts[0]).toBeCloseTo(wass + 40 + drift, 4);
    expect(parts[4]).toBeCloseTo(-4.25, 5);
    expect(parts[5]).toBeCloseTo(wass, 5);
  });
});

// ---- A small conv critic, in tfjs and in float64 JS -------------------------------------------
// D(x) = fc(pool2x(LReLU(conv3×3(x)))) with equalized weights: x [3, 4, 4, 1], conv 1 → 2
// channels, pool to 2×2, a dense layer of 8 → 1 with gain 1.
const N = 3;
const H = 4;
const CO = 2;
const CW = heScale(9); // √2/√(3·3·1)
const CV = heScale(8, 1);
const LAMBDA = 10;

const criticOf =
  (p: Params): Critic =>
  (x) =>
    tf.reshape(eqDense(tf.reshape(pool2x(lrelu(eqConv(x, p, "c"))), [x.shape[0], -1]) as tf.Tensor2D, p, "fc", 1), [-1]) as tf.Tensor1D;

interface Theta {
  w: number[]; // [3, 3, 1, 2]
  b: number[]; // [2]
  v: number[]; // [8] (the [8, 1] dense weight)
  c: number[]; // [1]
}
const flat = (t: Theta) => [...t.w, ...t.b, ...t.v, ...t.c];
const unflat = (a: number[]): Theta => ({ w: a.slice(0, 18), b: a.slice(18, 20), v: a.slice(20, 28), c: a.slice(28, 29) });

/** Pre-activations of the conv, float64: pre[n][i][j][co]. */
function preActivations(t: Theta, x: number[]): number[] {
  const pre: number[] = [];
  for (let n = 0; n < N; n++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++)
        for (let co = 0; co < CO; co++) {
          let acc = t.b[co];
          for (let di = 0; di < 3; di++)
            for (let dj = 0; dj < 3; dj++) {
              const yi = i + di - 1, xj = j + dj - 1;
              if (yi >= 0 && yi < H && xj >= 0 && xj < H) acc += x[(n * H + yi) * H + xj] * t.w[(di * 3 + dj) * CO + co] * CW;
            }
          pre.push(acc);
        }
  return pre;
}

/** D's scores, float64 (to check the tfjs critic is the same function). */
function scores64(t: Theta, x: number[]): number[] {
  const pre = preActivations(t, x);
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    let s = t.c[0];
    for (let pi = 0; pi < 2; pi++)
      for (let pj = 0; pj < 2; pj++)
        for (let co = 0; co < CO; co++) {
          let m = 0;
          for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
            const z = pre[((n * H + 2 * pi + a) * H + 2 * pj + b) * CO + co];
            m += (z > 0 ? z : 0.2 * z) / 4;
          }
          s += m * t.v[(pi * 2 + pj) * CO + co] * CV;
        }
    out.push(s);
  }
  return out;
}

/** λ·mean_n(‖∂D/∂x_n‖ − 1)², ∂D/∂x by hand: through the dense layer, the pool, LReLU' and the conv. */
function penalty64(t: Theta, x: number[]): number {
  const pre = preActivations(t, x);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const dx = new Array(H * H).fill(0);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < H; j++)
        for (let co = 0; co < CO; co++) {
          const z = pre[((n * H + i) * H + j) * CO + co];
          const dpre = (t.v[((i >> 1) * 2 + (j >> 1)) * CO + co] * CV * (z > 0 ? 1 : 0.2)) / 4;
          for (let di = 0; di < 3; di++)
            for (let dj = 0; dj < 3; dj++) {
              const yi = i + di - 1, xj = j + dj - 1;
              if (yi >= 0 && yi < H && xj >= 0 && xj < H) dx[yi * H + xj] += dpre * t.w[(di * 3 + dj) * CO + co] * CW;
            }
        }
    total += (Math.sqrt(dx.reduce((s, v) => s + v * v, 0)) - 1) ** 2;
  }
  return (LAMBDA * total) / N;
}

/** Central differences of penalty64 in float64, one per parameter. */
function fdGrad(t: Theta, x: number[], h = 1e-5): number[] {
  const a = flat(t);
  return a.map((_, k) => {
    const up = a.slice();
    const down = a.slice();
    up[k] += h;
    down[k] -= h;
    return (penalty64(unflat(up), x) - penalty64(unflat(down), x)) / (2 * h);
  });
}

describe("the penalty's gradient with respect to a conv critic's parameters (second order)", () => {
  const rng = new Rng(7, 1);
  // Float32-representable values, so float64 and tfjs see the same numbers.
  const f32 = (a: Float32Array) => Array.from(a);
  const theta: Theta = { w: f32(rng.normalArray(18)), b: f32(rng.normalArray(2, 0, 0.1)), v: f32(rng.normalArray(8)), c: [0.1] };
  const x = f32(rng.uniformArray(N * H * H, -1, 1));
  const params = (): Params => ({
    "c.w": tf.tensor4d(theta.w, [3, 3, 1, CO]),
    "c.b": tf.tensor1d(theta.b),
    "fc.w": tf.tensor2d(theta.v, [8, 1]),
    "fc.b": tf.tensor1d(theta.c),
  });
  /** The penalty and its gradient (parameter order c.w, c.b, fc.w, fc.b, flattened) on the active backend. */
  const tfPenalty = (): { value: number; grad: number[] } =>
    tf.tidy(() => {
      const p = params();
      const xs = tf.tensor4d(x, [N, H, H, 1]);
      // fc.b is not on the penalty's path (∂D/∂x does not read it): a zero term keeps tf.grads from refusing it.
      const { value, grads } = valueAndGradsOf(p, (q) => tf.add(gradientPenalty(criticOf(q), xs, LAMBDA), tf.mul(0, tf.sum(q["fc.b"]))) as tf.Scalar);
      return { value: value.dataSync()[0], grad: grads.flatMap(read) };
    });

  it("the tfjs critic is the float64 one, and no pre-activation sits on LReLU's kink", () => {
    const s = tf.tidy(() => read(criticOf(params())(tf.tensor4d(x, [N, H, H, 1]))));
    scores64(theta, x).forEach((v, i) => expect(s[i]).toBeCloseTo(v, 5));
    expect(Math.min(...preActivations(theta, x).map(Math.abs))).toBeGreaterThan(1e-3);
  });

  const reference = () => ({ value: penalty64(theta, x), grad: fdGrad(theta, x) });

  /** Float32 against float64: within 1e-5 of the largest gradient entry (measured: 1.2e-7 of it on wasm and cpu). */
  const expectMatches = (got: { value: number; grad: number[] }) => {
    const ref = reference();
    expect(ref.value).toBeGreaterThan(1); // a penalty far from 0: the test is not trivially satisfied
    expect(got.value).toBeCloseTo(ref.value, 3);
    const scale = Math.max(...ref.grad.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    got.grad.forEach((g, k) => expect(Math.abs(g - ref.grad[k])).toBeLessThan(1e-5 * scale));
  };

  for (const [mode, activate] of kernelModes) {
    it(`wasm (${mode}) matches central finite differences in float64`, async () => {
      await useWasm();
      activate();
      expectMatches(tfPenalty());
    });
  }

  it("cpu matches central finite differences in float64", async () => {
    await tf.setBackend("cpu");
    expectMatches(tfPenalty());
    await useWasm();
  });
});

// PGGAN's D and L_D of WGAN-GP written again in PyTorch, float64, from the paper's description
// (NCHW inside, NHWC at the edges like tfjs): autograd.grad(..., create_graph=True) for the
// penalty, then backward for the gradient with respect to every parameter.
const TORCH = String.raw`
import json, sys, math, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
a = json.load(sys.stdin)
S, stage, alpha, n, size = a["stages"], a["stage"], a["alpha"], a["n"], a["size"]
P = {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]).requires_grad_() for k, v in a["params"].items()}
def conv(x, name, gain=math.sqrt(2)):
    w = P[name + ".w"]                                     # [kh, kw, cin, cout]
    c = gain / math.sqrt(w.shape[0] * w.shape[1] * w.shape[2])
    return F.conv2d(x, (w * c).permute(3, 2, 0, 1), P[name + ".b"], padding=w.shape[0] // 2)
lrelu = lambda x: F.leaky_relu(x, 0.2)
def mbstd(x):                                              # NCHW in and out; groups as the paper's code
    G = 4
    while n % G: G -= 1
    M = n // G
    y = x.permute(0, 2, 3, 1).reshape(G, M, -1)            # sample g*M + m is member g of group m
    s = torch.sqrt(y.var(0, unbiased=False) + 1e-8).mean(1)   # [M]
    fmap = s.repeat(G).reshape(n, 1, 1, 1).expand(n, 1, x.shape[2], x.shape[3])
    return torch.cat([x, fmap], 1)
def D(x_nhwc):
    x = x_nhwc.permute(0, 3, 1, 2)
    for _ in range(S - 1 - stage): x = F.avg_pool2d(x, 2)
    h = lrelu(conv(x, "d.rgb%d" % stage))
    for k in range(stage, 0, -1):
        h = F.avg_pool2d(lrelu(conv(lrelu(conv(h, "d.block%d.conv1" % k)), "d.block%d.conv2" % k)), 2)
        if k == stage and alpha < 1:
            h = (1 - alpha) * lrelu(conv(F.avg_pool2d(x, 2), "d.rgb%d" % (stage - 1))) + alpha * h
    h = lrelu(conv(mbstd(h), "d.final.conv"))
    flat = h.permute(0, 2, 3, 1).reshape(n, -1)
    w = P["d.final.fc.w"]
    return (flat @ (w / math.sqrt(w.shape[0])) + P["d.final.fc.b"]).reshape(-1)
img = lambda k: torch.tensor(a[k], dtype=torch.float64).reshape(n, size, size, 1)
real, fake, eps = img("real"), img("fake"), torch.tensor(a["eps"]).reshape(n, 1, 1, 1)
xhat = (eps * real + (1 - eps) * fake).requires_grad_()
g, = torch.autograd.grad(D(xhat).sum(), xhat, create_graph=True)
penalty = 10 * ((torch.sqrt((g * g).sum((1, 2, 3)) + 1e-12) - 1) ** 2).mean()
dr = D(real)
loss = D(fake).mean() - dr.mean() + penalty + 0.001 * (dr * dr).mean()
loss.backward()
print(json.dumps({"loss": loss.item(), "penalty": penalty.item(), "grads": {k: (torch.zeros_like(v) if v.grad is None else v.grad).reshape(-1).tolist() for k, v in P.items()}}))
`;

describe("PGGAN's D mid-fade (minibatch stddev, pooling, both fromRGBs): L_D of WGAN-GP and its gradient", () => {
  // Width 4 (channels 8, 4, 2) on 12×12 images (resolutions 3, 6, 12: small enough for the cpu
  // backend), stage 2 at α = 0.4, so every D parameter but fromRGB_0 is read (its gradient is 0);
  // 8 images: two minibatch-stddev groups.
  const S = 12;
  const model = pggan({ zDim: 4, width: 4, shape: { height: S, width: S, channels: 1 } }).atGrowth(2, 0.4);
  const init = new ParamInit(new Rng(11, 1));
  model.initD(init);
  const rng = new Rng(11, 2);
  const real = rng.uniformArray(8 * S * S, -1, 1);
  const fake = rng.uniformArray(8 * S * S, -1, 1);
  const eps = rng.uniformArray(8, 0, 1);
  const names = Object.keys(init.arrays);

  const lossAndGrad = (): { value: number; penalty: number; grad: number[] } =>
    tf.tidy(() => {
      const p: Record<string, tf.Tensor> = {};
      for (const n of names) p[n] = tf.tensor(init.arrays[n].data, init.arrays[n].shape);
      const x = (a: Float32Array) => tf.tensor4d(a, [8, S, S, 1]);
      let penalty = 0;
      const { value, grads } = valueAndGradsOf(p, (q) => {
        const r = wganGpDLoss((xs) => model.discriminate(q, xs, undefined), x(real), x(fake), tf.tensor1d(eps));
        penalty = r.penalty.dataSync()[0];
        return r.loss;
      });
      return { value: value.dataSync()[0], penalty, grad: grads.flatMap(read) };
    });

  let cpu: { value: number; penalty: number; grad: number[] };
  beforeAll(async () => {
    await tf.setBackend("cpu");
    cpu = lossAndGrad();
    await useWasm();
  });

  /** Within `tol` of the reference's largest gradient entry. */
  const expectGradClose = (got: number[], ref: number[], tol: number) => {
    expect(got).toHaveLength(ref.length);
    expect(got.every(Number.isFinite)).toBe(true);
    const scale = Math.max(...ref.map(Math.abs));
    const worst = Math.max(...got.map((g, i) => Math.abs(g - ref[i])));
    expect(worst).toBeLessThan(tol * scale);
  };

  it.skipIf(skipWithout(["torch"], "test/losses/gradient-penalty.test.ts"))("the cpu backend (float32) computes PyTorch's float64 L_D and gradient (within 1e-4 of the largest entry)", () => {
    const params: Record<string, { shape: number[]; data: number[] }> = {};
    for (const n of names) params[n] = { shape: init.arrays[n].shape, data: Array.from(init.arrays[n].data) };
    const input = { stages: 3, stage: 2, alpha: 0.4, n: 8, size: S, params, real: Array.from(real), fake: Array.from(fake), eps: Array.from(eps) };
    const out = JSON.parse(execFileSync(PYTHON, ["-c", TORCH], { input: JSON.stringify(input), encoding: "utf8" })) as { loss: number; penalty: number; grads: Record<string, number[]> };
    expect(out.penalty).toBeGreaterThan(1); // the second-order term is not negligible in the gradient
    expect(cpu.penalty).toBeCloseTo(out.penalty, 4);
    expect(cpu.value).toBeCloseTo(out.loss, 4);
    expectGradClose(cpu.grad, names.flatMap((n) => out.grads[n]), 1e-4);
  });

  for (const [mode, activate] of kernelModes) {
    it(`wasm (${mode}) computes the cpu backend's L_D and gradient (within 1e-4 of the largest entry), leaving no tensor behind`, async () => {
      await useWasm();
      activate();
      lossAndGrad();
      const tensors = tf.memory().numTensors;
      const got = lossAndGrad();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(got.value).toBeCloseTo(cpu.value, 4);
      expectGradClose(got.grad, cpu.grad, 1e-4);
    });
  }
});
