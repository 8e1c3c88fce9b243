// Scores MNIST run (or sweep member) directories on fresh samples, the procedure the equal-compute
// benchmark reports (bench/fresh-eval.ts: FID at n = 1000 on z seeds 11, 12, 13 and at n = 10,000),
// for runs made outside that benchmark: probes and upper bounds that its tables are read against.
//
//   node --import tsx bench/fresh-score.ts --runs DIR1[,DIR2...] [--tag note]
//
// Figures go to stdout and bench/results/fresh-score.jsonl.
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freshScores, mnistScorer } from "./fresh-eval.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({ options: { runs: { type: "string" }, tag: { type: "string", default: "" } } });
if (!values.runs) throw new Error("--runs DIR1,DIR2,... is required");
const score = await mnistScorer();
for (const dir of values.runs.split(",")) {
  const fresh = await freshScores(dir, score);
  console.log(`${dir}: fresh FID n=1000 ${fresh.fid1k.toFixed(2)} (${fresh.fid1kSeeds.map((f) => f.toFixed(2)).join(", ")})  n=10000 ${fresh.fid10k.toFixed(2)}  IS ${fresh.inceptionScore.toFixed(2)}  TVD ${fresh.classTvd.toFixed(3)}`);
  const record = { date: new Date().toISOString(), machine: cpuModel(), commit: gitCommit(), command: `node --import tsx bench/fresh-score.ts ${process.argv.slice(2).join(" ")}`, tag: values.tag, dir, fresh };
  await appendFile(join(new URL(".", import.meta.url).pathname, "results", "fresh-score.jsonl"), JSON.stringify(record) + "\n");
}
