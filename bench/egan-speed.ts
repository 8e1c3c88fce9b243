// E-GAN speed on the toy tasks, one worker (this thread), wasm unless --backend says otherwise.
//   node --import tsx bench/egan-speed.ts [--iterations 60] [--backend wasm] [--implementation fast|reference]
// Prints iterations/s and appends a line to bench/results/egan-speed.jsonl.
import { appendFile, mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend, type BackendChoice } from "../src/compute/backend.ts";
import { stockWasm } from "./stock-wasm.ts";
import { defaultRunConfig } from "../src/config/run-config.ts";
import { toyDataset } from "../src/data/toy-datasets.ts";
import { toyMemberConfig } from "../src/orchestrator/member-config.ts";
import { EganFastTrainer } from "../src/trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../src/trainers/egan-reference.ts";
import type { EganOptions } from "../src/trainers/egan-trainer.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "60" },
    backend: { type: "string", default: "wasm" },
    implementation: { type: "string", default: "fast" },
    // tfjs-wasm exactly as installed, none of evogan's kernels: the "before" of issue 7.
    stock: { type: "boolean", default: false },
  },
});
const iterations = Number(values.iterations);
const backend = values.stock ? await stockWasm() : await useBackend(values.backend as BackendChoice);
const base = toyMemberConfig(defaultRunConfig());
const options = (mutations: EganOptions["mutations"]): EganOptions => ({ ...base, mutations, dataset: toyDataset("grid25") });

async function measure(name: string, o: EganOptions): Promise<{ name: string; itersPerSec: number; msPerIter: number }> {
  const T = values.implementation === "reference" ? EganReferenceTrainer : EganFastTrainer;
  const trainer = new T(o);
  for (let i = 0; i < 5; i++) await trainer.step(); // warm-up: wasm compiles, allocator settles
  const tensors = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await trainer.step();
  const ms = (performance.now() - t0) / iterations;
  if (tf.memory().numTensors !== tensors) throw new Error(`${name}: tensor count went from ${tensors} to ${tf.memory().numTensors}`);
  await trainer.flush();
  trainer.dispose();
  return { name, itersPerSec: 1000 / ms, msPerIter: ms };
}

const results = [
  await measure("egan grid25 (3 mutations, mu 1, G/D 3x512, batch 64, eval 256)", options(["minimax", "heuristic", "least-squares"])),
  await measure("single-loss grid25 (heuristic, same trainer)", options(["heuristic"])),
];
const commit = gitCommit();
const line = { date: new Date().toISOString(), commit, backend, stock: values.stock, matmul: values.stock ? "stock tfjs-wasm" : matmulEngine(), implementation: values.implementation, cpu: cpuModel(), iterations, results };
for (const r of results) console.log(`${r.name}: ${r.itersPerSec.toFixed(2)} it/s (${r.msPerIter.toFixed(1)} ms/it) [${backend}, ${values.stock ? "stock tfjs-wasm kernels" : `matmul ${matmulEngine()}`}, ${values.implementation}]`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/egan-speed.jsonl", import.meta.url), JSON.stringify(line) + "\n");
