// One shipped run config over several seeds, through the real CLI (`evogan run`), two runs at a
// time (a core each): the figure an issue's "3 seeds" bar asks for, e.g. CycleGAN's label
// preservation and translation error on MNIST → inverted MNIST.
//   node --import tsx bench/run-seeds.ts --config configs/cyclegan-mnist-invert.json --seeds 2,3,4
//     [--seed-fields seed,task.splitSeed] [--set key=value ...] [--name cyclegan-invert] [--out runs]
// A seed sets every field of --seed-fields (the run's seed, and a task's own split seed). A run
// that already finished under <out>/<name>-s<seed> is read, not rerun, so a killed benchmark
// restarts where it stopped. Prints mean ± sd of each final metric over the seeds, with each run's
// iterations and wall time, and appends them with machine, commit and command to
// bench/results/run-seeds.md and run-seeds.jsonl.
import { appendFile, readFile, rm } from "node:fs/promises";
import { cpus } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { evoganCli, mean, sd } from "./evogan-cli.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({
  options: {
    config: { type: "string" },
    seeds: { type: "string", default: "1,2,3" },
    "seed-fields": { type: "string", default: "seed" },
    set: { type: "string", multiple: true, default: [] },
    name: { type: "string" },
    out: { type: "string", default: "runs" },
  },
});
if (!values.config) throw new Error("--config is required (a run config, e.g. configs/cyclegan-mnist-invert.json)");
const config = values.config;
const root = new URL("..", import.meta.url).pathname;
const seeds = values.seeds.split(",").map(Number);
const name = values.name ?? basename(config).replace(/\.(json|ya?ml)$/, "");

interface Finished {
  readonly seed: number;
  readonly iterations: number;
  readonly wallSeconds: number;
  readonly metrics: Record<string, number>;
  /** The commit the run trained at (its run.json), which a read-back run may not share with this one. */
  readonly commit?: string;
}

const readJson = (file: string) => readFile(file, "utf8").then((t) => JSON.parse(t), () => undefined);

async function finished(dir: string): Promise<Finished | undefined> {
  const r = await readJson(join(dir, "result.json"));
  if (r?.status !== "finished") return undefined;
  const run = await readJson(join(dir, "run.json"));
  return { ...r, commit: run?.stamps?.git?.commit?.slice(0, 7) };
}

async function runSeed(seed: number): Promise<Finished> {
  const runName = `${name}-s${seed}`;
  const dir = join(values.out, runName);
  const done = await finished(dir);
  if (done) return { ...done, seed };
  await rm(dir, { recursive: true, force: true });
  const sets = [...values.set, ...values["seed-fields"].split(",").map((f) => `${f}=${seed}`), `outDir=${values.out}`, `name=${runName}`];
  await evoganCli(["run", config, "--no-report", ...sets.flatMap((s) => ["--set", s])]);
  const r = await finished(dir);
  if (!r) throw new Error(`${dir} did not finish`);
  return { ...r, seed };
}

const results: Finished[] = [];
const queue = [...seeds];
await Promise.all(Array.from({ length: Math.min(2, cpus().length) }, async () => {
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) results.push(await runSeed(s));
}));
results.sort((a, b) => a.seed - b.seed);

const keys = Object.keys(results[0].metrics).filter((k) => results.every((r) => typeof r.metrics[k] === "number"));
const commit = gitCommit();
const command = `node --import tsx bench/run-seeds.ts --config ${config} --seeds ${values.seeds} --seed-fields ${values["seed-fields"]}${values.set.map((s) => ` --set ${s}`).join("")}`;
const cpu = cpuModel();
const md = [
  `## ${name}, seeds ${values.seeds} (${new Date().toISOString()}, commit ${commit})`,
  "",
  `\`${command}\`; ${cpus().length} cores (${cpu}), two runs at a time; mean ± sd over seeds.`,
  "",
  "| metric | mean ± sd | per seed |",
  "|---|---|---|",
  ...keys.map((k) => {
    const xs = results.map((r) => r.metrics[k]);
    return `| ${k} | ${mean(xs).toPrecision(4)} ± ${sd(xs).toPrecision(2)} | ${xs.map((x) => x.toPrecision(4)).join(" / ")} |`;
  }),
  `| iterations | ${mean(results.map((r) => r.iterations)).toFixed(0)} | ${results.map((r) => r.iterations).join(" / ")} |`,
  `| wall s | ${mean(results.map((r) => r.wallSeconds)).toFixed(0)} | ${results.map((r) => r.wallSeconds.toFixed(0)).join(" / ")} |`,
  `| trained at commit | | ${results.map((r) => r.commit ?? "?").join(" / ")} |`,
  "",
].join("\n");
console.log(md);
await appendFile(join(root, "bench/results/run-seeds.md"), md + "\n");
await appendFile(join(root, "bench/results/run-seeds.jsonl"), JSON.stringify({ date: new Date().toISOString(), commit, command, cpu, cores: cpus().length, name, results }) + "\n");
