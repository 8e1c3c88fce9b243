// The semi-supervised losses against values worked out by hand (logits whose Z = Σ exp l is a
// round number), against PyTorch's autograd in float64 (values and gradients, on random arrays),
// and their gradients against central finite differences of a float64 JS evaluation.
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MUTATIONS, type GLoss } from "../../strategies/egan.ts";
import { featureMatchingLoss, sganDLoss, sganGeneratorLoss, supervisedLoss, unsupervisedDLoss, unsupervisedScore } from "../../src/losses/semi-losses.ts";
import { Rng } from "../../src/util/rng.ts";
import { PYTHON, skipWithout } from "../export/python.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

const { log } = Math;
const value = (f: () => tf.Scalar): number => tf.tidy(() => f().dataSync()[0]);

// Two images, N = 2 classes. Row 0: l = (0, ln 3), Z = 4, s = ln 4, D = 0.8.
// Row 1: l = (ln ½, ln ½), Z = 1, s = 0, D = 0.5.
const L = [
  [0, log(3)],
  [log(0.5), log(0.5)],
];
// Fakes: row 0 l = (ln 3, 0), Z = 4, D = 0.8; row 1 l = (ln ¼, ln ¾), Z = 1, D = 0.5.
const F = [
  [log(3), 0],
  [log(0.25), log(0.75)],
];
const t2 = (rows: number[][]) => tf.tensor2d(rows);

describe("values by hand", () => {
  it("s = logsumexp l = log Z: (ln 4, 0)", () => {
    const s = tf.tidy(() => Array.from(unsupervisedScore(t2(L)).dataSync()));
    expect(s[0]).toBeCloseTo(log(4), 6);
    expect(s[1]).toBeCloseTo(0, 6);
  });

  it("L_sup with labels (1, 0) = mean(log Z − l_y) = (ln 4/3 + ln 2)/2", () => {
    expect(value(() => supervisedLoss(t2(L), tf.tensor1d([1, 0], "int32")))).toBeCloseTo((log(4 / 3) + log(2)) / 2, 6);
  });

  it("L_unsup = −E log D(real) − E log(1 − D(fake)) = −(ln 0.8 + ln 0.5)/2 + (ln 5 + ln 2)/2", () => {
    expect(value(() => unsupervisedDLoss(t2(L), t2(F)))).toBeCloseTo(-(log(0.8) + log(0.5)) / 2 + (log(5) + log(2)) / 2, 6);
  });

  it("sganDLoss = L_sup + w·L_unsup, with both parts", () => {
    const sup = (log(4 / 3) + log(2)) / 2;
    const unsup = -(log(0.8) + log(0.5)) / 2 + (log(5) + log(2)) / 2;
    const [loss, s, u] = tf.tidy(() => {
      const r = sganDLoss({ labelledLogits: t2(L), labels: tf.tensor1d([1, 0], "int32"), realLogits: t2(L), fakeLogits: t2(F) }, 0.5);
      return [r.loss, r.supervised, r.unsupervised].map((x) => x.dataSync()[0]);
    });
    expect(s).toBeCloseTo(sup, 6);
    expect(u).toBeCloseTo(unsup, 6);
    expect(loss).toBeCloseTo(sup + 0.5 * unsup, 6);
  });

  it("feature matching = ‖mean real − mean fake‖²: means (2, 3) and (2, 1) → 4", () => {
    expect(value(() => featureMatchingLoss(t2([[1, 2], [3, 4]]), t2([[0, 0], [2, 2], [4, 1]])))).toBeCloseTo(4, 6);
  });

  // G's losses on fakes with D = (0.8, 0.5), i.e. s = (ln 4, 0); rsgan's reals have s = (0, ln 4).
  const cases: Array<[GLoss, number]> = [
    ["heuristic", -(log(0.8) + log(0.5)) / 2],
    ["minimax", (log(0.2) + log(0.5)) / 2],
    ["least-squares", (0.2 ** 2 + 0.5 ** 2) / 2],
    ["hinge", -(log(4) + 0) / 2],
    // σ(s_f − s_r) = σ(ln 4) = 0.8 and σ(−ln 4) = 0.2
    ["rsgan", -(log(0.8) + log(0.2)) / 2],
  ];
  it.each(cases)("G's %s loss on s = logsumexp l is E-GAN's loss with D = Z/(Z + 1): %f", (kind, expected) => {
    const realRows = [L[1], L[0]];
    expect(value(() => sganGeneratorLoss(kind, { fakeLogits: t2(F), realLogits: t2(realRows) }))).toBeCloseTo(expected, 6);
  });

  it("G's feature-matching loss reads the features and refuses to run without them", () => {
    expect(value(() => sganGeneratorLoss("feature-matching", { fakeLogits: t2(F), realFeatures: t2([[1, 2]]), fakeFeatures: t2([[1, 0]]) }))).toBeCloseTo(4, 6);
    expect(() => sganGeneratorLoss("feature-matching", { fakeLogits: t2(F) })).toThrow(/features/);
  });

  it("stays finite where Z overflows or underflows float32 (logits ±1000)", () => {
    const big = [
      [1000, 999],
      [-1000, -1001],
    ];
    const vals = [
      value(() => supervisedLoss(t2(big), tf.tensor1d([0, 1], "int32"))),
      value(() => unsupervisedDLoss(t2(big), t2(big))),
      ...MUTATIONS.map((m) => value(() => sganGeneratorLoss(m, { fakeLogits: t2(big), realLogits: t2(big) }))),
    ];
    for (const v of vals) expect(Number.isFinite(v)).toBe(true);
    // s = 1000 + ln(1 + e⁻¹) for the first row: −log(1 − D) = softplus(s) ≈ s.
    expect(value(() => unsupervisedDLoss(t2([[0, 0]]), t2([big[0]])))).toBeCloseTo(softplus(-log(2)) + 1000 + log(1 + Math.exp(-1)), 2);
  });
});

// ---- float64 references -----------------------------------------------------------------------

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
function lse(row: number[]): number {
  const m = Math.max(...row);
  return m + log(row.reduce((a, v) => a + Math.exp(v - m), 0));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Arrays {
  lab: number[][];
  y: number[];
  real: number[][];
  fake: number[][];
  fr: number[][];
  ff: number[][];
}

/** L_sup + w·L_unsup in float64, straight from the formulas. */
function dLoss64(a: Arrays, w: number): number {
  const sup = mean(a.lab.map((row, i) => lse(row) - row[a.y[i]]));
  const unsup = mean(a.real.map((r) => softplus(-lse(r)))) + mean(a.fake.map((r) => softplus(lse(r))));
  return sup + w * unsup;
}
function fm64(a: Arrays): number {
  const dim = a.fr[0].length;
  let s = 0;
  for (let j = 0; j < dim; j++) s += (mean(a.fr.map((r) => r[j])) - mean(a.ff.map((r) => r[j]))) ** 2;
  return s;
}
function heuristic64(a: Arrays): number {
  return mean(a.fake.map((r) => softplus(-lse(r)))); // −log σ(s)
}

function randomArrays(rng: Rng): Arrays {
  const rows = (n: number, d: number, scale: number) => Array.from({ length: n }, () => Array.from(rng.normalArray(d, 0, scale), Number));
  return { lab: rows(4, 5, 2), y: [0, 3, 4, 1], real: rows(3, 5, 2), fake: rows(6, 5, 2), fr: rows(4, 7, 1), ff: rows(5, 7, 1) };
}

/** tf gradients of the D loss wrt its three logit arrays, of FM wrt fake features, of heuristic wrt fake logits. */
function tfGrads(a: Arrays, w: number): { d: number[][][]; fm: number[][]; h: number[][] } {
  return tf.tidy(() => {
    const labels = tf.tensor1d(a.y, "int32");
    const d = tf.grads((lab, real, fake) => sganDLoss({ labelledLogits: lab as tf.Tensor2D, labels, realLogits: real as tf.Tensor2D, fakeLogits: fake as tf.Tensor2D }, w).loss)([t2(a.lab), t2(a.real), t2(a.fake)]);
    const fm = tf.grad((ff) => featureMatchingLoss(t2(a.fr), ff as tf.Tensor2D))(t2(a.ff));
    const h = tf.grad((fake) => sganGeneratorLoss("heuristic", { fakeLogits: fake as tf.Tensor2D }))(t2(a.fake));
    return { d: d.map((g) => g.arraySync() as number[][]), fm: fm.arraySync() as number[][], h: h.arraySync() as number[][] };
  });
}

/** Central differences of f with respect to every entry of `x` (a field of `a`). */
function finiteDiff(a: Arrays, key: "lab" | "real" | "fake" | "ff", f: (a: Arrays) => number, h = 1e-5): number[][] {
  return a[key].map((row, i) =>
    row.map((_, j) => {
      const at = (delta: number) => {
        const b: Arrays = { ...a, [key]: a[key].map((r, k) => (k === i ? r.map((v, m) => (m === j ? v + delta : v)) : r)) };
        return f(b);
      };
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
}

function expectClose(got: number[][], want: number[][], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i][j])).toBeLessThan(tol)));
}

describe("gradients against central finite differences (float64 JS)", () => {
  const a = randomArrays(new Rng(5));
  const w = 0.7;
  let g: ReturnType<typeof tfGrads>;
  beforeAll(() => {
    g = tfGrads(a, w);
  });

  it("the D loss's values match the float64 formula", () => {
    const labels = tf.tensor1d(a.y, "int32");
    expect(value(() => sganDLoss({ labelledLogits: t2(a.lab), labels, realLogits: t2(a.real), fakeLogits: t2(a.fake) }, w).loss)).toBeCloseTo(dLoss64(a, w), 5);
    labels.dispose();
    expect(value(() => featureMatchingLoss(t2(a.fr), t2(a.ff)))).toBeCloseTo(fm64(a), 5);
  });

  it.each([
    ["labelled", 0, "lab"],
    ["unlabelled real", 1, "real"],
    ["fake", 2, "fake"],
  ] as const)("∂L_D/∂(%s logits)", (_, k, key) => {
    expectClose(g.d[k], finiteDiff(a, key, (b) => dLoss64(b, w)), 2e-5);
  });

  it("∂(feature matching)/∂(fake features) and ∂(heuristic)/∂(fake logits)", () => {
    expectClose(g.fm, finiteDiff(a, "ff", fm64), 2e-5);
    expectClose(g.h, finiteDiff(a, "fake", heuristic64), 2e-5);
  });

  it("keeps the tensor count flat", () => {
    const before = tf.memory().numTensors;
    tfGrads(a, w);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// PyTorch's float64 autograd on the same arrays: an independent implementation of the same math
// (log_softmax / logsumexp / softplus from torch, gradients from its autograd).
const TORCH = `
import json, sys, torch
import torch.nn.functional as F
a = json.load(sys.stdin)
t = lambda k: torch.tensor(a[k], dtype=torch.float64, requires_grad=True)
lab, real, fake, fr, ff = t("lab"), t("real"), t("fake"), t("fr"), t("ff")
y = torch.tensor(a["y"])
w = a["w"]
sup = F.cross_entropy(lab, y)
unsup = F.softplus(-torch.logsumexp(real, 1)).mean() + F.softplus(torch.logsumexp(fake, 1)).mean()
loss = sup + w * unsup
fm = ((fr.mean(0) - ff.mean(0)) ** 2).sum()
gl = torch.autograd.grad(loss, [lab, real, fake])
gfm = torch.autograd.grad(fm, [ff])[0]
sf = torch.logsumexp(fake, 1)
gen = {
  "heuristic": F.softplus(-sf).mean(),
  "minimax": -F.softplus(sf).mean(),
  "least-squares": ((torch.sigmoid(sf) - 1) ** 2).mean(),
  "hinge": -sf.mean(),
}
print(json.dumps({"loss": loss.item(), "sup": sup.item(), "unsup": unsup.item(), "fm": fm.item(),
  "grads": [g.tolist() for g in gl], "gfm": gfm.tolist(), "gen": {k: v.item() for k, v in gen.items()}}))
`;

describe.skipIf(skipWithout(["torch"], "test/losses/semi-losses.test.ts"))("against PyTorch float64 autograd", () => {
  it("values and gradients of L_sup, L_unsup, L_D, feature matching and G's losses", () => {
    const a = randomArrays(new Rng(11));
    const w = 1;
    const out = JSON.parse(execFileSync(PYTHON, ["-c", TORCH], { input: JSON.stringify({ ...a, w }), encoding: "utf8" })) as {
      loss: number;
      sup: number;
      unsup: number;
      fm: number;
      grads: number[][][];
      gfm: number[][];
      gen: Record<string, number>;
    };
    const labels = tf.tensor1d(a.y, "int32");
    const parts = tf.tidy(() => {
      const r = sganDLoss({ labelledLogits: t2(a.lab), labels, realLogits: t2(a.real), fakeLogits: t2(a.fake) }, w);
      return [r.loss, r.supervised, r.unsupervised].map((x) => x.dataSync()[0]);
    });
    labels.dispose();
    expect(parts[0]).toBeCloseTo(out.loss, 5);
    expect(parts[1]).toBeCloseTo(out.sup, 5);
    expect(parts[2]).toBeCloseTo(out.unsup, 5);
    expect(value(() => featureMatchingLoss(t2(a.fr), t2(a.ff)))).toBeCloseTo(out.fm, 5);
    const g = tfGrads(a, w);
    g.d.forEach((gk, k) => expectClose(gk, out.grads[k], 1e-5));
    expectClose(g.fm, out.gfm, 1e-5);
    for (const [kind, v] of Object.entries(out.gen)) {
      expect(value(() => sganGeneratorLoss(kind as GLoss, { fakeLogits: t2(a.fake) }))).toBeCloseTo(v, 5);
    }
  });
});
