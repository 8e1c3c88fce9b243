// tf.memory().numTensors over a long E-GAN run: must stay flat (every iteration's tensors freed).
//   node --import tsx bench/tensor-count.ts [--iterations 10000]
//   node --import tsx bench/tensor-count.ts --family dcgan|biggan|bigbigan [--mutations hinge] --iterations 1000
// Small networks (toy: 2 × 64; image families: width 8 on a 2,000-image MNIST subset) so the
// run is short; the code path is the defaults' (image families: E-GAN's three mutations unless
// --mutations says otherwise).
import { appendFile, mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { decodeRunConfig, defaultRunConfig } from "../src/config/run-config.ts";
import { toyDataset } from "../src/data/toy-datasets.ts";
import { toyMemberConfig } from "../src/orchestrator/member-config.ts";
import { EganFastTrainer } from "../src/trainers/egan-fast.ts";
import { makeImageTrainer } from "../src/trainers/image-trainer.ts";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "10000" }, family: { type: "string" }, mutations: { type: "string", default: "minimax,heuristic,least-squares" } } });
const n = Number(values.iterations);
await useBackend("wasm");
function imageTrainer(family: string) {
  const c = decodeRunConfig({ model: { family, width: 8 }, task: { dataset: "mnist", limit: 2000 }, trainer: { mutations: values.mutations.split(",") } });
  if (c.model.family === "mlp") throw new Error("--family takes an image family");
  return makeImageTrainer({ task: c.task, model: c.model, trainer: c.trainer, seed: 1 });
}
const trainer = values.family
  ? imageTrainer(values.family)
  : new EganFastTrainer({ ...toyMemberConfig(defaultRunConfig()), gHidden: [64, 64], dHidden: [64, 64], dataset: toyDataset("grid25") });
const every = Math.max(1, Math.floor(n / 10));
await trainer.step();
const counts: number[] = [];
const t0 = performance.now();
for (let i = 1; i <= n; i++) {
  await trainer.step();
  if (i % every === 0) counts.push(tf.memory().numTensors);
}
const flat = counts.every((c) => c === counts[0]);
console.log(`${values.family ?? "toy"}: numTensors every ${every} iterations over ${n}: ${counts.join(" ")} -> ${flat ? "flat" : "GROWING"} (${((n * 1000) / (performance.now() - t0)).toFixed(0)} it/s, matmul ${matmulEngine()})`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/tensor-count.jsonl", import.meta.url), JSON.stringify({ date: new Date().toISOString(), family: values.family ?? "toy", mutations: values.family ? values.mutations : undefined, iterations: n, counts, flat }) + "\n");
if (!flat) process.exit(1);
