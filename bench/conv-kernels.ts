// Conv-training kernels on the wasm backend, before and after a change, in one of two arms:
//   node --import tsx bench/conv-kernels.ts [--arm wasm-conv|native] [--reps 9] [--quick]
// --arm wasm-conv (default): src/compute/wasm-conv-kernels.ts. "before": registerWasmKernels()
//   with wasm's own Conv2DBackpropInput, Tile, AvgPoolGrad, MaxPoolGrad and
//   ResizeNearestNeighborGrad put back (i.e. the kernels as they were before wasm-conv-kernels.ts;
//   stock tfjs-wasm has no Conv2DBackpropFilter, so no conv gradient at all). "after":
//   registerWasmKernels() as shipped.
// --arm native: src/compute/native-conv-kernels.ts (needs the addon: npm run build:native).
//   "before": registerWasmKernels() + the native GEMM with the conv kernels of registerWasmKernels
//   (XNNPACK Conv2D/FusedConv2D, evogan's JS Conv2DBackpropInput/Filter). "after": the native
//   conv kernels as registered by registerNativeGemm(), on the DCGAN and BigGAN-like shapes.
// The two are timed alternately, call by call, and the medians compared, so a busy machine slows
// both alike. Prints a table and appends one line to bench/results/conv-kernels.jsonl.
import { appendFile, mkdir } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerNativeGemm } from "../src/compute/native-kernels.ts";
import { registerWasmKernels } from "../src/compute/wasm-kernels.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({
  options: {
    arm: { type: "string", default: "wasm-conv" },
    reps: { type: "string", default: "9" },
    // Fewer shapes and steps, for a smoke run.
    quick: { type: "boolean", default: false },
  },
});
const arm = values.arm;
if (arm !== "wasm-conv" && arm !== "native") throw new Error(`--arm must be wasm-conv or native, got '${arm}'`);
const reps = Number(values.reps);
const loadAtStart = loadavg()[0];

await tf.setBackend("wasm");
await tf.ready();
const REPLACED =
  arm === "native"
    ? ["Conv2D", "FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]
    : ["Conv2DBackpropInput", "Tile", "AvgPoolGrad", "MaxPoolGrad", "ResizeNearestNeighborGrad"];
if (arm === "native") registerWasmKernels();
const stock = new Map(REPLACED.map((n) => [n, tf.getKernel(n, "wasm")!]));
if (arm === "native") {
  if (!registerNativeGemm()) throw new Error("the native addon is not built (npm run build:native) or EVOGAN_NATIVE_GEMM=off");
} else {
  registerWasmKernels();
}
const ours = new Map(REPLACED.map((n) => [n, tf.getKernel(n, "wasm")!]));

type Config = "before" | "after";
function use(config: Config): void {
  for (const name of REPLACED) {
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel((config === "before" ? stock : ours).get(name)!);
  }
}

interface Row {
  name: string;
  beforeMs: number;
  afterMs: number;
  speedup: number;
}

/** Median ms of `f` under each config, timed alternately after two warm-up calls each. */
function compare(name: string, f: () => void, n = reps): Row {
  const times: Record<Config, number[]> = { before: [], after: [] };
  for (const c of ["before", "after"] as const) {
    use(c);
    f();
    f();
  }
  for (let i = 0; i < n; i++) {
    for (const c of ["before", "after"] as const) {
      use(c);
      const t0 = performance.now();
      f();
      times[c].push(performance.now() - t0);
    }
  }
  use("after");
  const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
  const beforeMs = median(times.before);
  const afterMs = median(times.after);
  const row = { name, beforeMs: +beforeMs.toFixed(3), afterMs: +afterMs.toFixed(3), speedup: +(beforeMs / afterMs).toFixed(2) };
  console.log(`${name.padEnd(72)} ${row.beforeMs.toFixed(2).padStart(9)} ms -> ${row.afterMs.toFixed(2).padStart(8)} ms  x${row.speedup}`);
  return row;
}

/** Runs one kernel through the engine and reads nothing back (wasm kernels are synchronous). */
function kernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): () => void {
  return () => (tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor).dispose();
}

const rnd = (shape: number[]) => tf.randomNormal(shape, 0, 1, "float32", 1);
const rows: Row[] = [];

// --- native arm: the three conv kernels on the DCGAN and BigGAN-like conv geometries ----------
// A conv2dTranspose is the same geometry read backwards: G's convT1 x[B,7,7,64] -> [B,14,14,32]
// (filter [4,4,32,64]) runs Conv2DBackpropInput of the conv x[B,14,14,32] * w[4,4,32,64] /2 as
// its forward, that conv's Conv2D as its input gradient and Conv2DBackpropFilter (x and dy
// swapped) as its filter gradient; G's convT2 likewise is D conv1's geometry.
function nativeRows(): void {
  const geometries: [string, number[], number[], number][] = [
    // [label, conv x NHWC, filter [kh, kw, ci, co], stride]; pad 'same'
    ["D conv1 / G convT2: x[B,28,28,1] w[4,4,1,32] /2", [28, 28, 1], [4, 4, 1, 32], 2],
    ["D conv2 / G convT1: x[B,14,14,32] w[4,4,32,64] /2", [14, 14, 32], [4, 4, 32, 64], 2],
    ["BigGAN 3x3: x[B,14,14,32] w[3,3,32,32] /1", [14, 14, 32], [3, 3, 32, 32], 1],
    ["1x1: x[B,14,14,64] w[1,1,64,32] /1", [14, 14, 64], [1, 1, 64, 32], 1],
  ];
  for (const batch of values.quick ? [32] : [32, 64]) {
    for (const [label, hwc, fs, s] of values.quick ? geometries.slice(0, 2) : geometries) {
      const xs = [batch, ...hwc];
      const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], fs as [number, number, number, number], s, 1, "same");
      const x = rnd(xs);
      const filter = rnd(fs);
      const dy = rnd(info.outShape);
      const common = { strides: s, pad: "same", dataFormat: "NHWC" };
      const name = label.replace("[B,", `[${batch},`);
      rows.push(compare(`Conv2D (forward) ${name}`, kernel("Conv2D", { x, filter }, { ...common, dilations: 1 })));
      rows.push(compare(`Conv2DBackpropInput (input grad; convT forward) ${name}`, kernel("Conv2DBackpropInput", { dy, filter }, { ...common, inputShape: xs })));
      rows.push(compare(`Conv2DBackpropFilter (filter grad) ${name}`, kernel("Conv2DBackpropFilter", { x, dy }, { ...common, filterShape: fs })));
      tf.dispose([x, filter, dy]);
    }
  }
}

function wasmConvRows(): void {
  // --- Conv2DBackpropInput: conv2dTranspose forward (generators) and conv input gradients -------
  const backpropInput: [string, number[], number[], number][] = [
    // [label, dx shape, filter [kh, kw, dx channels, dy channels], stride]; pad 'same'
    ["DCGAN G up1 (convT [16,7,7,64]->[16,14,14,32])", [16, 14, 14, 32], [4, 4, 32, 64], 2],
    ["DCGAN G up2 (convT [16,14,14,32]->[16,28,28,1])", [16, 28, 28, 1], [4, 4, 1, 32], 2],
    ["DCGAN G up1, batch 64", [64, 14, 14, 32], [4, 4, 32, 64], 2],
    ["DCGAN G up2, batch 64", [64, 28, 28, 1], [4, 4, 1, 32], 2],
    ["BigGAN 3x3 conv dx [16,28,28,32] (32 out)", [16, 28, 28, 32], [3, 3, 32, 32], 1],
    ["BigGAN 3x3 conv dx [16,14,14,64] (64 out)", [16, 14, 14, 64], [3, 3, 64, 64], 1],
    ["BigGAN 3x3 conv dx [16,28,28,16] (16 out)", [16, 28, 28, 16], [3, 3, 16, 16], 1],
    ["BigGAN G to-image 3x3 dx [16,28,28,32] (1 out)", [16, 28, 28, 32], [3, 3, 32, 1], 1],
    ["BigGAN D first 3x3 dx [16,28,28,1] (32 out)", [16, 28, 28, 1], [3, 3, 1, 32], 1],
  ];
  for (const [label, xs, fs, s] of values.quick ? backpropInput.slice(0, 2) : backpropInput) {
    const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], fs as [number, number, number, number], s, 1, "same");
    const dy = rnd(info.outShape);
    const filter = rnd(fs);
    rows.push(compare(`Conv2DBackpropInput ${label}`, kernel("Conv2DBackpropInput", { dy, filter }, { inputShape: xs, strides: s, pad: "same", dataFormat: "NHWC" })));
    tf.dispose([dy, filter]);
  }

  // --- the other kernels a GAN step on these shapes hits -----------------------------------------
  {
    const x = rnd([16, 28, 28, 32]);
    const dyHalf = rnd([16, 14, 14, 32]);
    const y = tf.maxPool(x as tf.Tensor4D, 2, 2, "valid");
    const scale = rnd([1, 1, 1, 32]);
    rows.push(compare("Tile [1,1,1,32] x [16,28,28,1] (tf.batchNorm gradient)", kernel("Tile", { x: scale }, { reps: [16, 28, 28, 1] })));
    rows.push(compare("AvgPoolGrad 2x2/2 [16,28,28,32]", kernel("AvgPoolGrad", { dy: dyHalf, input: x }, { filterSize: 2, strides: 2, pad: "valid" })));
    rows.push(compare("MaxPoolGrad 2x2/2 [16,28,28,32]", kernel("MaxPoolGrad", { dy: dyHalf, input: x, output: y }, { filterSize: 2, strides: 2, pad: "valid" })));
    rows.push(
      compare(
        "ResizeNearestNeighborGrad x2 [16,14,14,32]<-[16,28,28,32]",
        kernel("ResizeNearestNeighborGrad", { images: dyHalf, dy: x }, { alignCorners: false, halfPixelCenters: false, size: [28, 28] }),
      ),
    );
    tf.dispose([x, dyHalf, y, scale]);
  }
}

if (arm === "native") nativeRows();
else wasmConvRows();

// --- whole forward + backward steps ------------------------------------------------------------
const v = (shape: number[], std = 0.05) => tf.variable(tf.randomNormal(shape, 0, std, "float32", 2));

/** (x - mean) / sqrt(var + eps) over N, H, W, then a per-channel affine: training-mode batch norm. */
function bn(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor4D;
}

/** One generator + discriminator forward and the gradient of D's mean logit w.r.t. every weight. */
function step(loss: () => tf.Scalar, vars: tf.Variable[]): () => void {
  return () => {
    const { value, grads } = tf.variableGrads(loss, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

/** A step to time and what to dispose afterwards. */
type Step = [run: () => void, owned: tf.Tensor[]];

function dcganStep(batch: number): Step {
  const w = {
    fc: v([32, 7 * 7 * 64]),
    g0: v([64], 1), b0: v([64]),
    up1: v([4, 4, 32, 64]), g1: v([32], 1), b1: v([32]),
    up2: v([4, 4, 1, 32]),
    d1: v([4, 4, 1, 32]), d2: v([4, 4, 32, 64]), fcD: v([7 * 7 * 64, 1]),
  };
  const z = tf.randomNormal([batch, 32], 0, 1, "float32", 3);
  const loss = () => {
    let h = tf.reshape(tf.matMul(z, w.fc), [batch, 7, 7, 64]) as tf.Tensor4D;
    h = tf.relu(bn(h, w.g0, w.b0));
    h = tf.relu(bn(tf.conv2dTranspose(h, w.up1 as tf.Tensor4D, [batch, 14, 14, 32], 2, "same"), w.g1, w.b1));
    const img = tf.tanh(tf.conv2dTranspose(h, w.up2 as tf.Tensor4D, [batch, 28, 28, 1], 2, "same"));
    let d = tf.leakyRelu(tf.conv2d(img, w.d1 as tf.Tensor4D, 2, "same"), 0.2);
    d = tf.leakyRelu(tf.conv2d(d, w.d2 as tf.Tensor4D, 2, "same"), 0.2);
    return tf.mean(tf.matMul(tf.reshape(d, [batch, -1]), w.fcD)) as tf.Scalar;
  };
  const vars = Object.values(w);
  return [step(loss, vars), [...vars, z]];
}

function bigganStep(batch: number, ch: number): Step {
  const w = {
    fc: v([32, 7 * 7 * 2 * ch]),
    // G: two up-blocks, 2ch -> ch -> ch, each BN-ReLU-up-conv3-BN-ReLU-conv3 + up-conv1 shortcut.
    a1: v([3, 3, 2 * ch, ch]), a2: v([3, 3, ch, ch]), as: v([1, 1, 2 * ch, ch]),
    b1: v([3, 3, ch, ch]), b2: v([3, 3, ch, ch]), bs: v([1, 1, ch, ch]),
    gA: v([2 * ch], 1), gB: v([ch], 1), gC: v([ch], 1), gD: v([ch], 1), beta: v([ch]), beta2: v([2 * ch]),
    out: v([3, 3, ch, 1]),
    // D: two down-blocks 1 -> ch -> 2ch, conv3-ReLU-conv3-avgpool + conv1-avgpool shortcut.
    c1: v([3, 3, 1, ch]), c2: v([3, 3, ch, ch]), cs: v([1, 1, 1, ch]),
    e1: v([3, 3, ch, 2 * ch]), e2: v([3, 3, 2 * ch, 2 * ch]), es: v([1, 1, ch, 2 * ch]),
    fcD: v([2 * ch, 1]),
  };
  const z = tf.randomNormal([batch, 32], 0, 1, "float32", 4);
  const up = (x: tf.Tensor4D) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
  const conv = (x: tf.Tensor4D, f: tf.Variable) => tf.conv2d(x, f as tf.Tensor4D, 1, "same");
  const pool = (x: tf.Tensor4D) => tf.avgPool(x, 2, 2, "valid");
  const gBlock = (x: tf.Tensor4D, f1: tf.Variable, f2: tf.Variable, fs: tf.Variable, g1: tf.Variable, bt1: tf.Variable, g2: tf.Variable) => {
    let h = up(tf.relu(bn(x, g1, bt1)));
    h = conv(tf.relu(bn(conv(h, f1), g2, w.beta)), f2);
    return tf.add(h, conv(up(x), fs)) as tf.Tensor4D;
  };
  const dBlock = (x: tf.Tensor4D, f1: tf.Variable, f2: tf.Variable, fs: tf.Variable) =>
    tf.add(pool(conv(tf.relu(conv(tf.relu(x), f1)), f2)), pool(conv(x, fs))) as tf.Tensor4D;
  const loss = () => {
    let h = tf.reshape(tf.matMul(z, w.fc), [batch, 7, 7, 2 * ch]) as tf.Tensor4D;
    h = gBlock(h, w.a1, w.a2, w.as, w.gA, w.beta2, w.gB);
    h = gBlock(h, w.b1, w.b2, w.bs, w.gC, w.beta, w.gD);
    const img = tf.tanh(conv(tf.relu(h), w.out));
    let d = dBlock(img, w.c1, w.c2, w.cs);
    d = dBlock(d, w.e1, w.e2, w.es);
    return tf.mean(tf.matMul(tf.sum(tf.relu(d), [1, 2]), w.fcD)) as tf.Scalar;
  };
  const vars = Object.values(w);
  return [step(loss, vars), [...vars, z]];
}

const steps: [string, () => Step, number][] = [
  ["small DCGAN G+D forward+backward, batch 16 (convT 7->14->28, D 1->32->64+dense)", () => dcganStep(16), reps],
  ...(arm === "native" ? [["small DCGAN G+D forward+backward, batch 32", () => dcganStep(32), reps] as [string, () => Step, number]] : []),
  ["small DCGAN G+D forward+backward, batch 64", () => dcganStep(64), reps],
  ["BigGAN-like G+D forward+backward, batch 16, ch 32 (upsample+3x3, 3x3+avgpool)", () => bigganStep(16, 32), Math.max(3, reps >> 1)],
];
for (const [label, make, n] of values.quick ? steps.slice(0, 1) : steps) {
  const [f, owned] = make();
  const tensors = tf.memory().numTensors;
  rows.push(compare(label, f, n));
  if (tf.memory().numTensors !== tensors) throw new Error(`${label}: tensor count went from ${tensors} to ${tf.memory().numTensors}`);
  tf.dispose(owned);
}

const commit = gitCommit();
const line = {
  date: new Date().toISOString(),
  commit,
  arm,
  ...(arm === "native"
    ? {
        backend: "wasm (registerWasmKernels + registerNativeGemm: OpenBLAS matmuls in both configs)",
        before: "conv kernels of registerWasmKernels (XNNPACK Conv2D/FusedConv2D, evogan JS Conv2DBackpropInput/Filter)",
        after: "native-conv-kernels.ts (im2col/col2im + OpenBLAS sgemm on the wasm heap)",
      }
    : {
        backend: "wasm (registerWasmKernels; no native GEMM)",
        before: "evogan wasm kernels without wasm-conv-kernels.ts (stock Conv2DBackpropInput, Tile, AvgPoolGrad, MaxPoolGrad, ResizeNearestNeighborGrad)",
      }),
  cpu: cpuModel(),
  cores: cpus().length,
  loadavg1mStart: +loadAtStart.toFixed(2),
  loadavg1mEnd: +loadavg()[0].toFixed(2),
  reps,
  rows,
};
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/conv-kernels.jsonl", import.meta.url), JSON.stringify(line) + "\n");
console.log(
  `load average (1 min) ${line.loadavg1mStart} at the start, ${line.loadavg1mEnd} at the end, on ${line.cores} cores; appended to bench/results/conv-kernels.jsonl`,
);
