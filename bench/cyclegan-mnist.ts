// CycleGAN on MNIST → T(MNIST) (src/data/unpaired-domains.ts: inverted or quarter-turned digits,
// A and B from disjoint halves of the training set), trained for a number of iterations or
// seconds; every `--every` iterations the translation metrics on test pairs
// (src/metrics/translation-metrics.ts): translation error E|G(a) − T(a)| and cycle error on the
// [0, 1] scale, and label preservation through T⁻¹ with the committed MNIST classifier.
//   node --import tsx bench/cyclegan-mnist.ts [--seconds 60] [--iterations N] [--transform invert]
//     [--mutations least-squares] [--width 8] [--blocks 3] [--dwidth 16] [--batch 8] [--lr 2e-4]
//     [--lambda 10] [--identity 0] [--limit N] [--test 1000] [--every 500] [--seed 1] [--fid]
//     [--dloss least-squares|bce] [--gamma 0.05]
// --gamma defaults small here so that Fd only breaks near-ties of Fq (E-GAN runs; a run config
// will set its own γ). Prints one line per evaluation, with the survivors' mutations at the end
// of an E-GAN run, and appends the final one to bench/results/cyclegan-mnist.jsonl. Training
// time excludes the evaluations.
import { appendFile, mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { MUTATIONS, type Mutation } from "../strategies/egan.ts";
import { matmulEngine, useBackend } from "../src/compute/backend.ts";
import { DOMAIN_TRANSFORMS, loadUnpairedTask, type DomainTransform } from "../src/data/unpaired-domains.ts";
import { CYCLE_D_LOSSES, type CycleDLoss } from "../src/losses/cycle-losses.ts";
import { translationMetrics, type TranslationMetrics } from "../src/metrics/translation-metrics.ts";
import { cyclegan, CYCLEGAN_MODEL_DEFAULTS } from "../src/models/image/cyclegan.ts";
import { CycleganTrainer, CYCLEGAN_TRAINER_DEFAULTS } from "../src/trainers/cyclegan-trainer.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const D = CYCLEGAN_TRAINER_DEFAULTS;
const M = CYCLEGAN_MODEL_DEFAULTS;
const { values: v } = parseArgs({
  options: {
    seconds: { type: "string" },
    iterations: { type: "string" },
    transform: { type: "string", default: "invert" },
    mutations: { type: "string", default: "least-squares" },
    width: { type: "string", default: String(M.gWidth) },
    blocks: { type: "string", default: String(M.blocks) },
    dwidth: { type: "string", default: String(M.dWidth) },
    batch: { type: "string", default: String(D.batchSize) },
    lr: { type: "string", default: String(D.adam.lr) },
    lambda: { type: "string", default: String(D.lambda) },
    identity: { type: "string", default: String(D.identity) },
    dloss: { type: "string", default: D.dLoss },
    gamma: { type: "string", default: "0.05" },
    limit: { type: "string" },
    test: { type: "string", default: "1000" },
    every: { type: "string", default: "500" },
    seed: { type: "string", default: "1" },
    fid: { type: "boolean", default: false },
  },
});
const transform = v.transform as DomainTransform;
if (!DOMAIN_TRANSFORMS.includes(transform)) throw new Error(`--transform: one of ${DOMAIN_TRANSFORMS.join(", ")}`);
const mutations = v.mutations.split(",") as Mutation[];
for (const m of mutations) if (!MUTATIONS.includes(m)) throw new Error(`--mutations: each one of ${MUTATIONS.join(", ")}`);
const dLoss = v.dloss as CycleDLoss;
if (!CYCLE_D_LOSSES.includes(dLoss)) throw new Error(`--dloss: one of ${CYCLE_D_LOSSES.join(", ")}`);
if (v.seconds === undefined && v.iterations === undefined) v.seconds = "60";
const maxSeconds = v.seconds === undefined ? Infinity : Number(v.seconds);
const maxIterations = v.iterations === undefined ? Infinity : Number(v.iterations);
const every = Number(v.every);
const seed = Number(v.seed);

const backend = await useBackend("wasm");
const task = loadUnpairedTask("mnist", { transform, seed, limit: v.limit === undefined ? undefined : Number(v.limit), testLimit: Number(v.test) });
const model = cyclegan({ shape: { height: 28, width: 28, channels: 1 }, gWidth: Number(v.width), blocks: Number(v.blocks), dWidth: Number(v.dwidth) });
const batchSize = Number(v.batch);
const adam = { ...D.adam, lr: Number(v.lr) };
const t = new CycleganTrainer({
  model,
  a: task.a,
  b: task.b,
  seed,
  mutations,
  gamma: Number(v.gamma),
  batchSize,
  evalBatchSize: batchSize,
  g: adam,
  d: adam,
  lambda: Number(v.lambda),
  identity: Number(v.identity),
  dLoss,
});

const evaluate = () => translationMetrics(t.translators(), task.test, transform, { fid: v.fid });
const show = (m: TranslationMetrics, it: number, s: number) =>
  console.log(
    [
      `it ${String(it).padStart(6)}`,
      `${s.toFixed(0).padStart(5)} s`,
      `translation ${m.translationError.toFixed(4)}`,
      `back ${m.backTranslationError.toFixed(4)}`,
      `cycle A ${m.cycleErrorA.toFixed(4)} B ${m.cycleErrorB.toFixed(4)}`,
      `labels ${(100 * m.labelPreservation).toFixed(1)}% back ${(100 * m.backLabelPreservation).toFixed(1)}%`,
      ...(m.fidB === undefined ? [] : [`FID A ${m.fidA!.toFixed(2)} B ${m.fidB.toFixed(2)}`]),
    ].join("  "),
  );

console.log(`cyclegan MNIST → ${transform}: ${task.a.count} + ${task.b.count} training images, ${task.test.a.count} test pairs; w ${v.width}, R ${v.blocks}, v ${v.dwidth}, batch ${batchSize}, lr ${adam.lr}, λ ${v.lambda}, identity ${v.identity}, D ${dLoss}, mutations ${mutations.join(",")}`);
let last = await evaluate();
show(last, 0, 0);
let trained = 0;
const tensors = tf.memory().numTensors;
let it = 0;
let dLast = NaN;
// How often each mutation's child survived (E-GAN runs).
const wins = new Map<string, number>();
const tally = (r: { children: { mutation: string }[]; survivors: number[] } | undefined) => {
  if (r && mutations.length > 1) wins.set(r.children[r.survivors[0]].mutation, (wins.get(r.children[r.survivors[0]].mutation) ?? 0) + 1);
};
while (it < maxIterations && trained < maxSeconds) {
  const t0 = performance.now();
  const r = await t.step();
  trained += (performance.now() - t0) / 1000;
  if (r) dLast = r.dLoss;
  tally(r);
  it++;
  if (it % every === 0 || it >= maxIterations || trained >= maxSeconds) {
    const r2 = await t.flush();
    if (r2) dLast = r2.dLoss;
    tally(r2);
    last = await evaluate();
    show(last, it, trained);
    if (r2) console.log(`             D loss ${dLast.toFixed(4)}  G: adversarial ${r2.losses.adversarial.toFixed(4)} cycle ${r2.losses.cycle.toFixed(4)}`);
  }
}
const flat = tf.memory().numTensors === tensors;
if (wins.size > 0) console.log(`survivors by mutation: ${[...wins].map(([m, n]) => `${m} ${n}`).join(", ")}`);
console.log(`${it} iterations in ${trained.toFixed(1)} s (${(it / trained).toFixed(2)} it/s); tensor count ${flat ? "flat" : "NOT flat"}`);
t.dispose();

const commit = gitCommit();
const command = `node --import tsx bench/cyclegan-mnist.ts ${process.argv.slice(2).join(" ")}`.trim();
const machine = { cpu: cpuModel(), cores: availableParallelism(), node: process.version, commit, command, backend, matmul: matmulEngine() };
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(new URL("./results/cyclegan-mnist.jsonl", import.meta.url), JSON.stringify({ date: new Date().toISOString(), ...machine, iterations: it, seconds: trained, ...last, ...(wins.size > 0 ? { wins: Object.fromEntries(wins) } : {}) }) + "\n");
