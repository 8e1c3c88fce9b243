// Where an image-GAN iteration's time goes: the kernels of one iteration (tf.profile), by total
// kernel time and count, for one family's default config on MNIST.
//   node --import tsx bench/profile-image-gan.ts [--family biggan] [--mutations hinge]
// Prints the top kernels and writes bench/results/profile-image-gan-<family>.json.
import { mkdir, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { decodeRunConfig } from "../src/config/run-config.ts";
import { makeImageTrainer } from "../src/trainers/image-trainer.ts";

const { values } = parseArgs({ options: { family: { type: "string", default: "biggan" }, mutations: { type: "string" } } });
await useBackend("wasm");
const trainer = values.mutations ? { mutations: values.mutations.split(",") } : {};
const c = decodeRunConfig({ model: { family: values.family }, task: { dataset: "mnist", limit: 2000 }, trainer });
if (c.model.family === "mlp") throw new Error("image families only");
const t = makeImageTrainer({ task: c.task, model: c.model, trainer: c.trainer, seed: 1 });
await t.step();
await t.step();
const info = await tf.profile(async () => void (await t.step()));
const byKernel = new Map<string, { count: number; ms: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { count: 0, ms: 0 };
  e.count++;
  e.ms += Number(k.kernelTimeMs) || 0;
  byKernel.set(k.name, e);
}
const rows = [...byKernel.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
const total = rows.reduce((s, r) => s + r.ms, 0);
console.log(`${values.family} (${c.trainer.mutations.join(", ")}; nD ${c.trainer.nD}): ${info.kernels.length} kernels, ${total.toFixed(0)} ms of kernel time in one iteration`);
for (const r of rows.slice(0, 15)) console.log(`  ${r.kernel.padEnd(28)} ${String(r.count).padStart(6)} ${r.ms.toFixed(1).padStart(8)} ms`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL(`./results/profile-image-gan-${values.family}.json`, import.meta.url), JSON.stringify({ date: new Date().toISOString(), matmul: matmulEngine(), mutations: c.trainer.mutations, kernels: info.kernels.length, totalMs: total, rows }, null, 1) + "\n");
t.dispose();
