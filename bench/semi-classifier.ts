// Test accuracy of a finished SGAN run's D itself and of D's EMA (model.classifierEma), both read
// from the run's newest checkpoint: the paired comparison of the EMA (same run, same D; only the
// averaging differs). The run's own events report the EMA's accuracy only.
//   node --import tsx bench/semi-classifier.ts <run dir> [<run dir> ...]
// Prints one line per run and the mean difference; appends them with machine, commit and command
// to bench/results/semi-classifier.md.
import { appendFile } from "node:fs/promises";
import { cpus } from "node:os";
import { useBackend } from "../src/compute/backend.ts";
import { newestRunWeights } from "../src/orchestrator/newest-checkpoint.ts";
import { makeImageTrainer, testData } from "../src/trainers/image-trainer.ts";
import { SganTrainer } from "../src/trainers/sgan-trainer.ts";
import { isImageMember } from "../src/worker/protocol.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error("usage: bench/semi-classifier.ts <run dir> [<run dir> ...] (finished sgan runs)");
await useBackend("wasm");
const rows: { dir: string; it: number; d: number; ema: number }[] = [];
for (const dir of dirs) {
  const w = await newestRunWeights(dir);
  if (!isImageMember(w.config) || w.config.model.family !== "sgan") throw new Error(`${dir}: not an sgan run`);
  const t = makeImageTrainer(w.config, w.state.trainer);
  if (!(t instanceof SganTrainer)) throw new Error(`${dir}: not an sgan run`);
  const test = testData(w.config.task.dataset as Parameters<typeof testData>[0]);
  rows.push({ dir, it: w.it, d: await t.accuracy(test, { ema: false }), ema: await t.accuracy(test) });
  t.dispose();
}
const pct = (v: number) => (100 * v).toFixed(2);
const lines = rows.map((r) => `| ${r.dir} | ${r.it} | ${pct(r.d)} | ${pct(r.ema)} | ${(100 * (r.ema - r.d)).toFixed(2)} |`);
const meanDiff = rows.reduce((s, r) => s + r.ema - r.d, 0) / rows.length;
const commit = gitCommit();
const text = [
  `## D and D's EMA, test accuracy % (${new Date().toISOString()}, commit ${commit})`,
  "",
  `\`node --import tsx bench/semi-classifier.ts ${dirs.join(" ")}\`; ${cpus().length} cores (${cpuModel()})`,
  "",
  "| run | iterations | D | D's EMA | EMA − D |",
  "|---|---|---|---|---|",
  ...lines,
  "",
  `mean EMA − D: ${(100 * meanDiff).toFixed(2)} points over ${rows.length} run(s)`,
  "",
].join("\n");
process.stdout.write(text);
await appendFile(new URL("./results/semi-classifier.md", import.meta.url), `${text}\n`);
