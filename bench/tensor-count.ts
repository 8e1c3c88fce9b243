// tf.memory().numTensors over a long E-GAN run: must stay flat (every iteration's tensors freed).
//   node --import tsx bench/tensor-count.ts [--iterations 10000]
// Small G/D (2 × 64) so 10,000 iterations take well under a minute; same code path as the defaults.
import { appendFile, mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { defaultRunConfig } from "../src/config/run-config.ts";
import { toyDataset } from "../src/data/toy-datasets.ts";
import { toyMemberConfig } from "../src/orchestrator/member-config.ts";
import { EganFastTrainer } from "../src/trainers/egan-fast.ts";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "10000" } } });
const n = Number(values.iterations);
await useBackend("wasm");
const o = { ...toyMemberConfig(defaultRunConfig()), gHidden: [64, 64], dHidden: [64, 64], dataset: toyDataset("grid25") };
const trainer = new EganFastTrainer(o);
trainer.step();
const counts: number[] = [];
const t0 = performance.now();
for (let i = 1; i <= n; i++) {
  trainer.step();
  if (i % 1000 === 0) counts.push(tf.memory().numTensors);
}
const flat = counts.every((c) => c === counts[0]);
console.log(`numTensors every 1000 iterations over ${n}: ${counts.join(" ")} -> ${flat ? "flat" : "GROWING"} (${((n * 1000) / (performance.now() - t0)).toFixed(0)} it/s, matmul ${matmulEngine()})`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/tensor-count.jsonl", import.meta.url), JSON.stringify({ date: new Date().toISOString(), iterations: n, counts, flat }) + "\n");
if (!flat) process.exit(1);
