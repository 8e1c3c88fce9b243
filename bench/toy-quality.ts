// E-GAN against the single-loss baseline on the toy tasks, at equal iteration budgets:
// configs/{egan,baseline}-{grid25,ring8}.json × seeds, run through the real CLI, `lanes` at a
// time (one per core). Writes the final toy metrics and it/s to bench/results/toy-quality.md.
//   node --import tsx bench/toy-quality.ts [--iterations 10000] [--seeds 1,2] [--lanes 2] [--out /tmp/evogan-quality]
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { report } from "../src/report/report.ts";
import type { RunSummary } from "../src/report/summarize.ts";

const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "10000" },
    seeds: { type: "string", default: "1,2" },
    lanes: { type: "string", default: "2" },
    out: { type: "string", default: "/tmp/evogan-quality" },
    configs: { type: "string", default: "egan-grid25,baseline-grid25,egan-ring8,baseline-ring8" },
  },
});
const iterations = Number(values.iterations);
const bin = new URL("../src/cli/bin.js", import.meta.url).pathname;
const jobs = values.configs.split(",").flatMap((c) => values.seeds.split(",").map((s) => ({ config: c, seed: Number(s), name: `${c}-s${s}-${iterations}` })));

function run(job: (typeof jobs)[number]): Promise<void> {
  const args = [bin, "run", new URL(`../configs/${job.config}.json`, import.meta.url).pathname, "--no-report", "--set", `seed=${job.seed}`, "--set", `budget.iterations=${iterations}`, "--set", `eval.every=${Math.max(1, Math.floor(iterations / 10))}`, "--set", `outDir=${values.out}`, "--set", `name=${job.name}`];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, CI: "1" } });
    p.stdout.on("data", (d: Buffer) => process.stdout.write(`[${job.name}] ${d}`));
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${job.name} exited ${code}`))));
  });
}

const queue = [...jobs];
await Promise.all(
  Array.from({ length: Number(values.lanes) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await run(job);
  }),
);
const dirs = jobs.map((j) => join(values.out, j.name));
const summaries = JSON.parse(await report(dirs, { format: "json" })) as RunSummary[];
const lines = [
  `# E-GAN vs single-loss baseline on the toy tasks (${iterations} iterations each)`,
  "",
  `${new Date().toISOString()}; \`node --import tsx bench/toy-quality.ts --iterations ${iterations} --seeds ${values.seeds} --lanes ${values.lanes}\`; ${values.lanes} runs at a time on this 2-core machine, so it/s is per run with the other core busy.`,
  "",
  "| run | modes | high-quality | reverse KL | it/s | mutation wins |",
  "|---|---|---|---|---|---|",
  ...summaries.map((s) => {
    const m = s.finalEval?.kind === "toy" ? s.finalEval : null;
    const wins = s.mutationWins.map((w) => `${w.mutation} ${(100 * w.share).toFixed(0)}%`).join(", ");
    return `| ${s.name} | ${m ? `${m.modes}/${m.totalModes}` : "-"} | ${m ? (100 * m.highQuality).toFixed(1) + "%" : "-"} | ${m ? m.reverseKL.toFixed(3) : "-"} | ${s.itersPerSec?.toFixed(2) ?? "-"} | ${wins} |`;
  }),
  "",
];
console.log(lines.join("\n"));
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/toy-quality.md", import.meta.url), lines.join("\n"));
