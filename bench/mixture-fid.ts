// Is a mixture of generators a better GAN than each of them? Samples every run's generator (its
// EMA copy when it has one, from its newest intact checkpoint, as `evogan sample` does) and scores
// each run alone and the even mixture of all of them (n/k images from each of the k runs) with
// evogan's classifier: FID at n = 1000 (mean over several z seeds, none of them the one the
// runs' own evaluations used) and at n = 10,000, IS and class TVD.
//
//   node --import tsx bench/mixture-fid.ts --runs DIR1,DIR2[,...] [--seeds 11,12,13,14,15] [--tag note]
//
// Figures go to stdout and bench/results/mixture-fid.jsonl.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mean } from "./evogan-cli.ts";
import { BIG, BIG_SEED, loadGenerator, mnistScorer, PER_IMAGE as PER } from "./fresh-eval.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string" },
    seeds: { type: "string", default: "11,12,13,14,15" },
    tag: { type: "string", default: "" },
  },
});
if (!values.runs) throw new Error("--runs DIR1,DIR2,... is required");
const runs = values.runs.split(",");
const seeds = values.seeds.split(",").map(Number);
const score = await mnistScorer();

/** The even mixture: the first n/k images of each run's set (n divisible by k assumed). */
function mixture(sets: Float32Array[], n: number): Float32Array {
  const k = sets.length;
  const each = Math.floor(n / k);
  const out = new Float32Array(each * k * PER);
  sets.forEach((s, i) => out.set(s.subarray(0, each * PER), i * each * PER));
  return out;
}

const rows: Record<string, { fid1k: number[]; fid10k?: number; is?: number; tvd?: number }> = {};
const names = [...runs.map((r) => r.split("/").filter(Boolean).at(-1)!), "mixture"];
for (const name of names) rows[name] = { fid1k: [] };

const generators = await Promise.all(runs.map(loadGenerator));
for (const seed of [...seeds, 0]) {
  const n = seed === 0 ? BIG : 1000;
  const sets = await Promise.all(generators.map((g) => g.draw(n, seed === 0 ? BIG_SEED : seed)));
  const all = [...sets, mixture(sets, n)];
  for (const [i, images] of all.entries()) {
    const s = await score(images);
    const row = rows[names[i]!]!;
    if (seed === 0) Object.assign(row, { fid10k: s.fid, is: s.inceptionScore, tvd: s.classTvd });
    else row.fid1k.push(s.fid);
  }
}
await Promise.all(generators.map((g) => g.close()));

const record = { date: new Date().toISOString(), machine: cpuModel(), commit: gitCommit(), command: `node --import tsx bench/mixture-fid.ts ${process.argv.slice(2).join(" ")}`, tag: values.tag, runs, seeds, rows };
for (const [name, r] of Object.entries(rows)) {
  console.log(`${name.padEnd(24)} FID n=1000 ${mean(r.fid1k).toFixed(1)} (${r.fid1k.map((f) => f.toFixed(1)).join(", ")})  n=10000 ${r.fid10k!.toFixed(1)}  IS ${r.is!.toFixed(2)}  TVD ${r.tvd!.toFixed(3)}`);
}
await appendFile(join(new URL(".", import.meta.url).pathname, "results", "mixture-fid.jsonl"), JSON.stringify(record) + "\n");
