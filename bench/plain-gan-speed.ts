// A plain GAN step (issue 7's yardstick): G and D 2 × 128 MLPs, batch 256; one D step on 256
// real + 256 fake samples, then one G step (heuristic loss) on 256 fresh z of dimension 2.
//   straightforward: tf.variable weights, tf.train.adam, optimizer.minimize (tfjs autodiff)
//   fast:            evogan's hand-written backprop (src/models/mlp.ts) and Adam (src/trainers/adam.ts)
//   node --import tsx bench/plain-gan-speed.ts [--steps 300]
// Prints steps/s and appends a line to bench/results/plain-gan-speed.jsonl.
import { appendFile, mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { stockWasm } from "./stock-wasm.ts";
import { sampleToy, toyDataset } from "../src/data/toy-datasets.ts";
import { applyMlp, backpropWeights, disposeBackpropWeights, initMlp, mlpBackward, mlpForward, paramShapes, type MlpSpec } from "../src/models/mlp.ts";
import { adamInit, adamStep, disposeAdam, keepAdam, type AdamState } from "../src/trainers/adam.ts";
import { Rng } from "../src/util/rng.ts";
import { scoped } from "../src/util/scoped.ts";

const { values } = parseArgs({ options: { steps: { type: "string", default: "300" }, stock: { type: "boolean", default: false } } });
const steps = Number(values.steps);
// --stock: tfjs-wasm exactly as installed, none of evogan's kernels (the "before" of issue 7).
if (values.stock) await stockWasm();
else await useBackend("wasm");
const engine = values.stock ? "stock tfjs-wasm kernels" : `matmul ${matmulEngine()}`;
const N = 256;
const gSpec: MlpSpec = { input: 2, hidden: [128, 128], output: 2 };
const dSpec: MlpSpec = { input: 2, hidden: [128, 128], output: 1 };
const hyper = { lr: 1e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
const data = toyDataset("grid25");

function initial(spec: MlpSpec, seed: number): tf.Tensor[] {
  const shapes = paramShapes(spec);
  return initMlp(spec, new Rng(seed)).map((a, i) => tf.tensor(a, shapes[i]));
}

function straightforward(): () => void {
  const rng = new Rng(1, 1);
  const G = initial(gSpec, 1).map((t) => tf.variable(t));
  const D = initial(dSpec, 2).map((t) => tf.variable(t));
  const optG = tf.train.adam(hyper.lr, hyper.beta1, hyper.beta2, hyper.epsilon);
  const optD = tf.train.adam(hyper.lr, hyper.beta1, hyper.beta2, hyper.epsilon);
  const net = (p: tf.Variable[], x: tf.Tensor) => p.reduce((h, _, i) => (i % 2 ? h : (i + 2 < p.length ? tf.relu : (y: tf.Tensor) => y)(tf.add(tf.matMul(h as tf.Tensor2D, p[i] as tf.Tensor2D), p[i + 1]))), x);
  return () =>
    tf.tidy(() => {
      const real = tf.tensor2d(sampleToy(data, N, rng), [N, 2]);
      const fake = net(G, tf.tensor2d(rng.uniformArray(2 * N, -1, 1), [N, 2]));
      optD.minimize(() => tf.add(tf.mean(tf.softplus(tf.neg(net(D, real)))), tf.mean(tf.softplus(net(D, fake)))) as tf.Scalar, false, D);
      const z = tf.tensor2d(rng.uniformArray(2 * N, -1, 1), [N, 2]);
      optG.minimize(() => tf.mean(tf.softplus(tf.neg(net(D, net(G, z))))) as tf.Scalar, false, G);
    });
}

function fast(): () => void {
  const rng = new Rng(1, 1);
  let G: AdamState = adamInit(initial(gSpec, 1));
  let D: AdamState = adamInit(initial(dSpec, 2));
  return () => {
    const nextD = scoped(() => {
      const x = tf.concat([tf.tensor2d(sampleToy(data, N, rng), [N, 2]), applyMlp(G.params, tf.tensor2d(rng.uniformArray(2 * N, -1, 1), [N, 2]))]) as tf.Tensor2D;
      const fd = mlpForward(D.params, x);
      const s = tf.sigmoid(fd.out);
      // ∂L_D/∂o: (σ − 1)/N on the real rows, σ/N on the fake rows.
      const dO = tf.div(tf.sub(s, tf.concat([tf.ones([N, 1]), tf.zeros([N, 1])])), N) as tf.Tensor2D;
      const w = backpropWeights(D.params);
      const grads = mlpBackward(w, fd, dO, true, false).params!;
      return keepAdam(adamStep(D, grads, hyper));
    });
    disposeAdam(D);
    D = nextD;
    const nextG = scoped(() => {
      const fg = mlpForward(G.params, tf.tensor2d(rng.uniformArray(2 * N, -1, 1), [N, 2]));
      const fd = mlpForward(D.params, fg.out);
      const dO = tf.div(tf.sub(tf.sigmoid(fd.out), 1), N) as tf.Tensor2D; // heuristic: −(1 − σ)/N
      const wD = backpropWeights(D.params);
      const dX = mlpBackward(wD, fd, dO, false, true).input!;
      const grads = mlpBackward(backpropWeights(G.params), fg, dX, true, false).params!;
      disposeBackpropWeights(wD);
      return keepAdam(adamStep(G, grads, hyper));
    });
    disposeAdam(G);
    G = nextG;
  };
}

function measure(name: string, step: () => void): number {
  for (let i = 0; i < 10; i++) step();
  const tensors = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const perSec = (steps * 1000) / (performance.now() - t0);
  if (tf.memory().numTensors !== tensors) throw new Error(`${name}: tensor count went from ${tensors} to ${tf.memory().numTensors}`);
  console.log(`plain GAN step, ${name}: ${perSec.toFixed(1)} steps/s [wasm, ${engine}]`);
  return perSec;
}

// The fast path relies on evogan's kernels (stock wasm's fused matmul mis-adds some biases), so --stock measures only the straightforward loop.
const results = values.stock
  ? { straightforward: measure("straightforward tfjs (autodiff, tf.train.adam)", straightforward()) }
  : { straightforward: measure("straightforward tfjs (autodiff, tf.train.adam)", straightforward()), fast: measure("fast (hand-written backprop, fused Adam)", fast()) };
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/plain-gan-speed.jsonl", import.meta.url), JSON.stringify({ date: new Date().toISOString(), engine, steps, stepsPerSec: results }) + "\n");
