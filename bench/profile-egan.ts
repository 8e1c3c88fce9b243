// Where one E-GAN iteration (grid25 defaults) and one plain GAN step spend their time:
// kernels per iteration, time per kernel type (tf.profile), and time outside kernels.
//   node --import tsx bench/profile-egan.ts [--implementation fast|reference]
// Writes the breakdown to bench/results/profile-egan.json.
import { mkdir, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { defaultRunConfig } from "../src/config/run-config.ts";
import { toyDataset } from "../src/data/toy-datasets.ts";
import { toyMemberConfig } from "../src/orchestrator/member-config.ts";
import { EganFastTrainer } from "../src/trainers/egan-fast.ts";
import { EganReferenceTrainer } from "../src/trainers/egan-reference.ts";

const { values } = parseArgs({ options: { implementation: { type: "string", default: "fast" }, iterations: { type: "string", default: "10" } } });
await useBackend("wasm");
const o = { ...toyMemberConfig(defaultRunConfig()), dataset: toyDataset("grid25") };
const trainer = values.implementation === "reference" ? new EganReferenceTrainer(o) : new EganFastTrainer(o);
for (let i = 0; i < 3; i++) await trainer.step();

const n = Number(values.iterations);
const t0 = performance.now();
const info = await tf.profile(async () => {
  for (let i = 0; i < n; i++) await trainer.step();
});
const wallMs = (performance.now() - t0) / n;
const byKernel = new Map<string, { count: number; ms: number }>();
let kernelMs = 0;
for (const k of info.kernels.filter((x) => !x.name.endsWith("__op"))) {
  const e = byKernel.get(k.name) ?? { count: 0, ms: 0 };
  const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
  e.count++;
  e.ms += ms;
  kernelMs += ms;
  byKernel.set(k.name, e);
}
const rows = [...byKernel.entries()].map(([name, e]) => ({ name, perIter: e.count / n, msPerIter: e.ms / n })).sort((a, b) => b.msPerIter - a.msPerIter);
console.log(`${values.implementation} [matmul ${matmulEngine()}]: ${(info.kernels.length / n).toFixed(0)} kernels/iteration; profiled wall ${wallMs.toFixed(1)} ms/it, in kernels ${(kernelMs / n).toFixed(1)} ms/it`);
for (const r of rows.filter((x) => !x.name.endsWith("__op")).slice(0, 20)) console.log(`  ${r.name.padEnd(22)} ${r.perIter.toFixed(0).padStart(5)}/it ${r.msPerIter.toFixed(2).padStart(8)} ms/it`);
// Unprofiled wall time (the profiler's own overhead excluded).
const t1 = performance.now();
for (let i = 0; i < n; i++) await trainer.step();
const plainMs = (performance.now() - t1) / n;
console.log(`unprofiled: ${plainMs.toFixed(1)} ms/it; outside kernels ≈ ${(plainMs - kernelMs / n).toFixed(1)} ms/it`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
const engine = matmulEngine().startsWith("OpenBLAS") ? "openblas" : "wasm";
await writeFile(new URL(`./results/profile-egan-${values.implementation}-${engine}.json`, import.meta.url), JSON.stringify({ date: new Date().toISOString(), matmul: matmulEngine(), wallMs, plainMs, kernelMsPerIter: kernelMs / n, kernelsPerIter: info.kernels.length / n, rows }, null, 2) + "\n");
