// The check a GPU machine runs (bundled by scripts/stage-gpu.sh, run by run-on-gpu.sh): is evogan's
// webgpu backend correct on this adapter, and how fast are its trainers here?
//
//   1. adapters  every adapter Dawn lists, and the one the webgpu backend opens;
//   2. kernels   matmul, conv2d and conv2dTranspose, forward and both gradients, on the cpu backend
//                and on webgpu with the same seeded inputs: max |webgpu − cpu| / max |cpu| per op;
//   3. agreement one iteration of the toy E-GAN trainer and of the DCGAN E-GAN trainer (the real
//                classes) on cpu and on webgpu, from the same mid-training state: the same survivors,
//                and max relative error over the records (Fq, Fd, D's loss) and every weight and
//                Adam moment afterwards. Small models: the cpu backend's conv gradients are slow;
//   4. speed     --iters iterations of each trainer on webgpu at the sizes given: it/s, and whether
//                the live tensors grew over them (a leak).
// Prints ONE JSON line on stdout (Dawn and Vulkan write their warnings to stderr). Exit 0: every
// error within tolerance; 1: some error over it, a survivor that differs, or a leak; otherwise the
// exit code of evogan's error (src/cli/exit-codes.ts: 3 when the webgpu backend is missing, 2 a bad flag).
//
// usage: node gpu-check.mjs [--iters N] [--toy-hidden H] [--dcgan-width W] [--dcgan-batch B]
//        (in a checkout: node --import tsx scripts/gpu-check.ts ...)
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { useBackend, type Importer } from "../src/compute/backend.ts";
import { listWebgpuAdapters, webgpuAdapter } from "../src/compute/webgpu-backend.ts";
import { decodeRunConfig, isToyDataset } from "../src/config/run-config.ts";
import type { ImageData } from "../src/data/image-data.ts";
import { toyDataset } from "../src/data/toy-datasets.ts";
import { describeThrown, EXIT } from "../src/cli/exit-codes.ts";
import { dcgan } from "../src/models/image/dcgan.ts";
import { EganFastTrainer } from "../src/trainers/egan-fast.ts";
import type { EganOptions, EganStateData } from "../src/trainers/egan-trainer.ts";
import { ImageEganTrainer, type ImageEganState } from "../src/trainers/image-egan-trainer.ts";
import type { Trainer, TrainerRecord, TrainerState } from "../src/trainers/trainer.ts";
import { iterateOnBoth, stateArrays } from "../src/trainers/backend-agreement.ts";
import { Rng } from "../src/util/rng.ts";
import { scoreMutations } from "../strategies/egan.ts";

/** Tolerances, relative to the largest cpu value (float32 on both sides, different summation orders). */
const TOLERANCE = {
  // Measured on lavapipe: ≤ 1.2e-6 (conv2d's gradients); ~100× headroom for a GPU's reduction order.
  kernels: 1e-4,
  // What test/compute/webgpu.test.ts holds one iteration of each trainer to (measured: ≤ 2.7e-7).
  trainers: 1e-5,
} as const;

/** The check's own verdict "something is off" (tolerance, survivors, a leak): no evogan error fits, so 1, as a failed test. */
const OVER_TOLERANCE = 1;

const DEFAULT_FLAGS = {
  // Enough iterations for a steady it/s once the shaders are compiled; seconds on any GPU.
  iters: 20,
  // evogan's default toy MLP (3 × 512, run-config DEFAULTS): the size users train.
  "toy-hidden": 512,
  // The DCGAN family's default width (run-config FAMILY_DEFAULTS).
  "dcgan-width": 32,
  // The DCGAN family's default batch.
  "dcgan-batch": 32,
} as const;
type Flag = keyof typeof DEFAULT_FLAGS;

/**
 * tfjs' webgpu backend imported by name here, so that esbuild puts it in the bundle (the backend's
 * own `import(pkg)` takes any name and is left to Node); `webgpu` (Dawn's native module) is not
 * bundled and resolves from node_modules next to the bundle.
 */
const importer: Importer = (pkg) => (pkg === "@tensorflow/tfjs-backend-webgpu" ? import("@tensorflow/tfjs-backend-webgpu") : import(pkg));

/** Makes `name` tfjs' backend (webgpu's Dawn is opened once and reused on every switch back). */
async function use(name: "cpu" | "webgpu"): Promise<void> {
  await useBackend(name, importer);
}

// ---- 2. kernels --------------------------------------------------------------------------------

interface KernelCase {
  readonly name: string;
  /** The op's outputs (forward, then the gradient of Σ y·r for each input), as tensors to read. */
  readonly run: (inputs: readonly tf.Tensor[]) => tf.Tensor[];
  readonly shapes: readonly number[][];
}

/** Σ y·r for a fixed random r: every output element weighs in on the gradients. */
const weighted = (y: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, r));

const KERNELS: readonly KernelCase[] = [
  {
    // A dense layer of the toy MLP at evaluation batch: [256, 512] · [512, 512].
    name: "matMul [256,512]·[512,512], dA, dB",
    shapes: [[256, 512], [512, 512], [256, 512]],
    run: ([a, b, r]) => {
      const f = (x: tf.Tensor, w: tf.Tensor) => weighted(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), r);
      return [tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), ...tf.grads(f)([a, b])];
    },
  },
  {
    // DCGAN D's first layer on 28×28 images: 4×4 kernel, stride 2.
    name: "conv2d [8,28,28,16]*[4,4,16,32]/2, dX, dW",
    shapes: [[8, 28, 28, 16], [4, 4, 16, 32], [8, 14, 14, 32]],
    run: ([x, w, r]) => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => weighted(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, "same"), r);
      return [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"), ...tf.grads(f)([x, w])];
    },
  },
  {
    // DCGAN G's upsampling layer: 7×7×64 → 14×14×32.
    name: "conv2dTranspose [8,7,7,64]→[8,14,14,32]/2, dZ, dW",
    shapes: [[8, 7, 7, 64], [4, 4, 32, 64], [8, 14, 14, 32]],
    run: ([z, w, r]) => {
      const up = (zz: tf.Tensor, ww: tf.Tensor) => tf.conv2dTranspose(zz as tf.Tensor4D, ww as tf.Tensor4D, [8, 14, 14, 32], 2, "same");
      return [up(z, w), ...tf.grads((zz: tf.Tensor, ww: tf.Tensor) => weighted(up(zz, ww), r))([z, w])];
    },
  },
];

/** Runs a case on the active backend; its outputs as arrays. */
async function runKernel(c: KernelCase, values: readonly Float32Array[]): Promise<Float32Array[]> {
  const outs = tf.tidy(() => c.run(values.map((v, i) => tf.tensor(v, c.shapes[i]))));
  const read = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return read;
}

/** max |got − want| / max |want| over every output; NaN when a value is not finite or a length differs. */
function relativeError(want: readonly Float32Array[], got: readonly Float32Array[]): number {
  let maxAbs = 0;
  let maxRef = 0;
  for (let o = 0; o < want.length; o++) {
    if (got[o]?.length !== want[o].length) return NaN;
    for (let k = 0; k < want[o].length; k++) {
      const d = Math.abs(got[o][k] - want[o][k]);
      if (!Number.isFinite(d)) return NaN;
      maxAbs = Math.max(maxAbs, d);
      maxRef = Math.max(maxRef, Math.abs(want[o][k]));
    }
  }
  return maxRef > 0 ? maxAbs / maxRef : maxAbs;
}

// ---- 3., 4. trainers ---------------------------------------------------------------------------

/** The toy E-GAN trainer's options: evogan's defaults with `overrides` (a run config's fields). */
function toyOptions(overrides: object = {}): EganOptions {
  const c = decodeRunConfig(overrides);
  if (c.model.family !== "mlp" || !isToyDataset(c.task.dataset)) throw new Error("expected the toy MLP on a toy dataset");
  return { ...c.model, ...c.trainer, mutations: scoreMutations(c.trainer.mutations), dataset: toyDataset(c.task.dataset), seed: c.seed };
}

/** The toy run test/compute/webgpu-child.ts compares on cpu and webgpu (μ = 2 and n_D = 2 exercise selection and D's loop). */
const AGREEMENT_TOY = {
  task: { dataset: "ring8" },
  model: { gHidden: [16, 16], dHidden: [16, 16] },
  trainer: { mu: 2, nD: 2, gamma: 0.5, batchSize: 16, evalBatchSize: 32, g: { lr: 1e-3 }, d: { lr: 1e-3 } },
  seed: 5,
};

/**
 * Random images in [−1, 1] (28×28×1, MNIST's shape): the GPU machine carries no dataset, and
 * speed and agreement do not depend on what the pixels show.
 */
function syntheticImages(count: number): ImageData {
  const [height, width, channels] = [28, 28, 1];
  return { name: "synthetic/train", count, height, width, channels, numClasses: 10, images: new Rng(7).uniformArray(count * height * width * channels, -1, 1), labels: new Uint8Array(count) };
}

/**
 * A DCGAN E-GAN trainer as makeImageTrainer builds one from a run config (the DCGAN family's
 * defaults with `overrides`: model, trainer, seed), on synthetic images.
 */
function dcganTrainer(overrides: { readonly model?: object; readonly trainer?: object; readonly seed?: number }, state?: ImageEganState): ImageEganTrainer {
  const c = decodeRunConfig({ ...overrides, model: { ...overrides.model, family: "dcgan" } });
  if (c.model.family !== "dcgan") throw new Error("expected a DCGAN");
  const t = c.trainer;
  const data = syntheticImages(Math.max(64, 4 * t.batchSize));
  const model = dcgan({ zDim: c.model.zDim, width: c.model.width, shape: { height: data.height, width: data.width, channels: data.channels } });
  return new ImageEganTrainer(
    { model, data, seed: c.seed, mutations: t.mutations, mu: t.mu, gamma: t.gamma, nD: t.nD, dLoss: t.dLoss, batchSize: t.batchSize, evalBatchSize: t.evalBatchSize, g: t.g, d: t.d, orthoReg: t.orthoReg, ema: t.ema },
    state,
  );
}

/** The DCGAN run test/compute/webgpu-child.ts compares (on MNIST there, on synthetic images here). */
const AGREEMENT_DCGAN = {
  model: { width: 8, zDim: 8 },
  trainer: { mutations: ["minimax", "least-squares"], mu: 1, batchSize: 8, evalBatchSize: 8, nD: 1, g: { lr: 1e-3 }, d: { lr: 1e-3 } },
  seed: 3,
};

interface Agreement {
  readonly trainer: string;
  readonly relErr: number;
  readonly sameSurvivors: boolean;
}

/** One iteration on cpu and on webgpu from the same state made on cpu (src/trainers/backend-agreement.ts). */
async function agreement(trainer: string, make: (state?: TrainerState) => Trainer<TrainerState>, warmup: number): Promise<Agreement> {
  const { reference: cpu, candidate: gpu } = await iterateOnBoth(make, warmup, use, "cpu", "webgpu");
  const a = stateArrays(cpu.state);
  const b = stateArrays(gpu.state);
  // Each record value against its cpu value (they differ in scale), the state against its largest value.
  const scalars = (rs: TrainerRecord[]) => rs.flatMap((r) => [r.dLoss, ...r.children.flatMap((c) => [c.Fq, c.Fd])]);
  const [want, got] = [scalars(cpu.records), scalars(gpu.records)];
  const recordErr = want.length === got.length ? Math.max(0, ...want.map((v, i) => relativeError([Float32Array.of(v)], [Float32Array.of(got[i])]))) : NaN;
  const stateErr = a.rest === b.rest && a.floats.length === b.floats.length ? relativeError(a.floats, b.floats) : NaN;
  const sameSurvivors = JSON.stringify(cpu.records.map((r) => r.survivors)) === JSON.stringify(gpu.records.map((r) => r.survivors));
  return { trainer, relErr: Math.max(recordErr, stateErr), sameSurvivors };
}

interface Speed {
  readonly trainer: string;
  readonly size: string;
  readonly iters: number;
  readonly itPerSec: number;
  /** Live tensors after the timed iterations minus before them (both after a step): 0 unless an iteration leaks. */
  readonly tensorGrowth: number;
}

/** `iters` iterations on webgpu after one untimed iteration (which compiles the shaders). */
async function speed(trainer: string, size: string, make: () => Trainer<TrainerState>, iters: number): Promise<Speed> {
  await use("webgpu");
  const t = make();
  await t.step();
  const held = tf.memory().numTensors;
  const start = performance.now();
  for (let i = 0; i < iters; i++) await t.step();
  const tensorGrowth = tf.memory().numTensors - held;
  await t.flush(); // the last iteration's read: part of its time
  const seconds = (performance.now() - start) / 1000;
  t.dispose();
  return { trainer, size, iters, itPerSec: iters / seconds, tensorGrowth };
}

// ---- main --------------------------------------------------------------------------------------

function flags(argv: readonly string[]): Record<Flag, number> {
  const options = Object.fromEntries(Object.keys(DEFAULT_FLAGS).map((k) => [k, { type: "string" as const }]));
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const out = { ...DEFAULT_FLAGS } as Record<Flag, number>;
  for (const [k, v] of Object.entries(values)) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw Object.assign(new Error(`--${k}: expected a positive integer, got '${String(v)}'`), { usage: true });
    out[k as Flag] = n;
  }
  return out;
}

async function check(f: Record<Flag, number>) {
  const adapters = await listWebgpuAdapters({ importer });
  await use("webgpu"); // fails here, with evogan's one-line error, when webgpu cannot run
  const adapter = webgpuAdapter();

  const rng = new Rng(11);
  const kernels: Array<{ kernel: string; relErr: number }> = [];
  for (const c of KERNELS) {
    const values = c.shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b, 1)));
    await use("cpu");
    const want = await runKernel(c, values);
    await use("webgpu");
    kernels.push({ kernel: c.name, relErr: relativeError(want, await runKernel(c, values)) });
  }

  // The sizes test/compute/webgpu-child.ts compares (μ = 2 and two mutations make selection matter).
  const agreements = [
    await agreement("toy E-GAN (2×16 hidden, μ 2, 3 mutations, n_D 2)", (s) => new EganFastTrainer(toyOptions(AGREEMENT_TOY), s as EganStateData | undefined), 4),
    await agreement("DCGAN E-GAN (width 8, batch 8, 2 mutations)", (s) => dcganTrainer(AGREEMENT_DCGAN, s as ImageEganState | undefined), 2),
  ];

  const h = f["toy-hidden"];
  const speeds = [
    await speed("toy E-GAN", `3×${h} hidden, evogan's defaults`, () => new EganFastTrainer(toyOptions({ model: { gHidden: [h, h, h], dHidden: [h, h, h] } })), f.iters),
    await speed("DCGAN E-GAN", `width ${f["dcgan-width"]}, batch ${f["dcgan-batch"]}, 28×28`, () => dcganTrainer({ model: { width: f["dcgan-width"] }, trainer: { batchSize: f["dcgan-batch"], evalBatchSize: f["dcgan-batch"] } }), f.iters),
  ];

  const maxRelErr = { kernels: Math.max(...kernels.map((k) => k.relErr)), trainers: Math.max(...agreements.map((a) => a.relErr)) };
  // NaN compares false: an error that is not a number fails.
  const ok = maxRelErr.kernels <= TOLERANCE.kernels && maxRelErr.trainers <= TOLERANCE.trainers && agreements.every((a) => a.sameSurvivors) && speeds.every((x) => x.tensorGrowth === 0);
  return { ok, node: process.version, adapters, adapter, tolerance: TOLERANCE, maxRelErr, kernels, agreement: agreements, speed: speeds };
}

/** One JSON line; non-finite numbers as strings (JSON has none), so that a NaN error shows as "NaN". */
function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}\n`);
}

let code: number;
try {
  const report = await check(flags(process.argv.slice(2)));
  print(report);
  code = report.ok ? EXIT.ok : OVER_TOLERANCE;
} catch (e) {
  const usage = (e as { usage?: boolean }).usage === true || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  const known = Object.keys(DEFAULT_FLAGS).map((k) => `--${k}`).join(", ");
  const failure = usage ? { code: EXIT.config, message: `${String((e as Error).message)} (flags: ${known})` } : describeThrown(e);
  process.stderr.write(`gpu-check: ${failure.message}\n`);
  print({ ok: false, error: { code: failure.code, message: failure.message } });
  code = failure.code;
}
// Dawn keeps the event loop alive: end explicitly.
process.exit(code);
