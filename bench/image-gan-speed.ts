// Training speed of the image families on this machine's backend: iterations per second of the
// shipped configs (28×28 MNIST, batch 32), for plain training (one generator loss, μ = 1: one G
// step + n_D D steps, no fitness work) and for E-GAN (three mutations, each child scored).
// bench/pytorch-image-gan.py runs the same DCGAN workloads in PyTorch, for comparison.
//   node --import tsx bench/image-gan-speed.ts [--iterations 20] [--families dcgan,biggan,bigbigan]
// Prints a table and appends one line per measurement to bench/results/image-gan-speed.jsonl.
import { appendFile, mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { decodeRunConfig } from "../src/config/run-config.ts";
import { makeImageTrainer } from "../src/trainers/image-trainer.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "20" }, families: { type: "string", default: "dcgan,biggan,bigbigan" } } });
const iterations = Number(values.iterations);
const backend = await useBackend("wasm");

// Plain: the family's own single loss (DCGAN heuristic, BigGAN/BigBiGAN hinge).
const MUTATIONS = { plain: "single", egan: ["minimax", "heuristic", "least-squares"] } as const;
const rows: Array<Record<string, unknown>> = [];
for (const family of values.families.split(",")) {
  for (const [mode, mutations] of Object.entries(MUTATIONS)) {
    const single = family === "dcgan" ? ["heuristic"] : family === "sgan" ? ["feature-matching"] : ["hinge"];
    const c = decodeRunConfig({ model: { family }, task: { dataset: "mnist", limit: 10000 }, trainer: { mutations: mutations === "single" ? single : mutations } });
    if (c.model.family === "mlp" || c.model.family === "cyclegan") throw new Error("image families that draw from z only");
    const t = makeImageTrainer({ task: c.task, model: c.model, trainer: c.trainer, seed: 1 });
    for (let i = 0; i < 3; i++) await t.step();
    await t.flush();
    const tensors = tf.memory().numTensors;
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await t.step();
    await t.flush();
    const seconds = (performance.now() - t0) / 1000;
    const row = {
      family,
      mode,
      mutations: c.trainer.mutations,
      nD: c.trainer.nD,
      batchSize: c.trainer.batchSize,
      evalBatchSize: c.trainer.evalBatchSize,
      width: c.model.width,
      itersPerSec: iterations / seconds,
      tensorsFlat: tf.memory().numTensors === tensors,
    };
    rows.push(row);
    console.log(`${family.padEnd(9)} ${mode.padEnd(6)} ${(iterations / seconds).toFixed(2).padStart(6)} it/s  (${c.trainer.mutations.length} mutation(s), nD ${c.trainer.nD}, batch ${c.trainer.batchSize}, eval ${c.trainer.evalBatchSize}, width ${c.model.width})`);
    t.dispose();
  }
}
const commit = gitCommit();
const command = `node --import tsx bench/image-gan-speed.ts ${process.argv.slice(2).join(" ")}`.trim();
const machine = { cpu: cpuModel(), cores: availableParallelism(), node: process.version, commit, command, backend, matmul: matmulEngine() };
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/image-gan-speed.jsonl", import.meta.url), rows.map((r) => JSON.stringify({ date: new Date().toISOString(), ...machine, iterations, ...r })).join("\n") + "\n");
