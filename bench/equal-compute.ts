// Equal-compute benchmark: does a search find a better GAN than one plain run, given the same
// wall-clock budget on the same machine? Every arm runs through the real CLI with `budget.seconds`
// (runs stop at the first segment past it; sweeps start no generation that would end past it), one
// member per core: single runs go two seeds at a time (one per core), sweeps one at a time with a
// worker slot per core. What an arm "found" is what a user would take away: a run's final
// evaluation; a sweep's best member by its fitness at the end. On MNIST each arm's generator is
// then scored again on fresh samples (bench/fresh-eval.ts: FID at n = 1000 on three z seeds no run
// evaluates on, and FID, IS and class TVD at n = 10,000), because a sweep's own figure for its best
// member is the one it was selected by.
//
//   node --import tsx bench/equal-compute.ts --task grid25 --seconds 300 --seeds 1,2,3,4,5 [--arms plain,egan,pbt,search,random,shipped]
//     [--tune-seeds 101,102] [--tune-seconds 600] [--out /tmp/evogan-equal] [--tag note]
//
// --task semi is the semi-supervised one (issue 17: MNIST with 100 labels): a seed is both the
// run's seed and the seed of the label choice, and the figure is the test accuracy of D's
// classifier at the end (a sweep's member chosen by validation accuracy, never by test accuracy).
// Its arms: sgan (configs/sgan-mnist.json as shipped), sgan-convG / sgan-mlpG / sgan-mlpG-lr3e-3
// (G's architecture and learning rate), labels-only (the same D trained on the labels alone: w = 0
// in L_sup + w·L_unsup, so G's images never reach D's loss), pbt.
//
// The plain arm is the single-loss run at the best learning rate of a small grid, chosen on the
// tuning seeds (never the reported ones) by mean final MMD² (toys) or FID (images); the choice is
// kept in bench/results/equal-compute-tuning.json and reused. Each (arm, seed) result is written
// to <out>/<task>-<budget>s/<arm>-s<seed>.json as soon as it exists, so a killed benchmark restarts
// where it stopped. Figures go to stdout, bench/results/equal-compute.jsonl and equal-compute.md.
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { evoganCli, mean, sd } from "./evogan-cli.ts";
import { isImageMetrics, type EvalMetrics, type ImageMetrics, type ToyMetrics } from "../src/records.ts";
import { freshScores, mnistScorer, type FreshScores } from "./fresh-eval.ts";
import { cpuModel, gitCommit } from "./machine.ts";

const { values } = parseArgs({
  options: {
    task: { type: "string", default: "grid25" },
    seconds: { type: "string", default: "300" },
    seeds: { type: "string", default: "1,2,3,4,5" },
    "tune-seeds": { type: "string", default: "101,102" },
    /** The plain arm's learning rate is tuned at this budget (default: the table's own). */
    "tune-seconds": { type: "string" },
    arms: { type: "string", default: "plain,egan,pbt,search" },
    out: { type: "string", default: "/tmp/evogan-equal" },
    tag: { type: "string", default: "" },
  },
});
const task = values.task;
const seconds = Number(values.seconds);
const seeds = values.seeds.split(",").map(Number);
const tuneSeeds = values["tune-seeds"].split(",").map(Number);
const armNames = values.arms.split(",");
const root = new URL("..", import.meta.url).pathname;
const cfg = (name: string) => join(root, "configs", name);
const tuneSeconds = Number(values["tune-seconds"] ?? seconds);
/** Where the (arm, seed) runs of one budget live. */
const dirFor = (budget: number) => join(values.out, `${task}-${budget}s`);
const workDir = dirFor(seconds);
const semi = task === "semi";
const image = task === "mnist" || semi;

/** How one arm runs: a run config or a sweep config, plus overrides. */
interface Arm {
  readonly kind: "run" | "sweep";
  readonly config: string;
  readonly set: readonly string[];
  /** Run the config as shipped (its own generations), with the budget only as a cap. */
  readonly asShipped?: boolean;
  /** Hyperparameters added to a sweep's population (`--set` cannot reach into a population file). */
  readonly hyperparameters?: Record<string, unknown>;
}

/** The plain arm's learning-rate grid (G and D alike): around each task's default. */
const LR_GRID = image ? [1e-4, 2e-4, 4e-4] : [1e-4, 2e-4, 5e-4];

/** The search population's EMA generator (populations/search-dcgan-mnist.json), for the image runs. */
const IMAGE_EMA = `trainer.ema={"decay":0.999,"start":500}`;

/** The learning-rate half-life tuned on seed 101 (bench/results/lr-half-life-tuning.md), for G and D. */
const IMAGE_HALF_LIFE = ["trainer.g.lrHalfLife=15000", "trainer.d.lrHalfLife=15000"];

/** The search+decay arm's half-lives, evolved by PBT around the tuned 15k. */
const HALF_LIFE_RANGE = { kind: "continuous", min: 10000, max: 25000, log: true };

/** Spectral normalization of DCGAN's D (model.spectralNorm), tuned on seed 101 (bench/results/dcgan-d-options-tuning.md). */
const SPECTRAL_NORM = "model.spectralNorm=true";

/** The arms that run at the plain arm's tuned learning rate. */
const TUNED_ARMS = ["plain", "plain+decay", "plain+decay+sn"];

function arms(plainLr: number | undefined): Record<string, Arm> {
  if (semi) {
    return {
      sgan: { kind: "run", config: cfg("sgan-mnist.json"), set: [] },
      // G's architecture: DCGAN's convolutions, or Salimans et al.'s MLP (matrix products only), at
      // the shipped learning rate and at theirs (3e-3).
      "sgan-convG": { kind: "run", config: cfg("sgan-mnist.json"), set: ["model.generator=dcgan"] },
      "sgan-mlpG": { kind: "run", config: cfg("sgan-mnist.json"), set: ["model.generator=mlp"] },
      "sgan-mlpG-lr3e-3": { kind: "run", config: cfg("sgan-mnist.json"), set: ["model.generator=mlp", "trainer.g.lr=3e-3", "trainer.d.lr=3e-3"] },
      // Salimans et al.'s learning rate for their weight-normalised D (the shipped D has weight
      // norm), for D alone (G's is DCGAN's, with batch norm) and for both.
      "sgan-dlr3e-3": { kind: "run", config: cfg("sgan-mnist.json"), set: ["trainer.d.lr=3e-3"] },
      "sgan-lr3e-3": { kind: "run", config: cfg("sgan-mnist.json"), set: ["trainer.g.lr=3e-3", "trainer.d.lr=3e-3"] },
      "labels-only": { kind: "run", config: cfg("sgan-mnist.json"), set: ["model.unlabelledWeight=0"] },
      pbt: { kind: "sweep", config: cfg("sweep-pbt-sgan-mnist.json"), set: [] },
    };
  }
  if (image) {
    const plain = [`trainer.mutations=["heuristic"]`, IMAGE_EMA, "eval.every=1000", ...(plainLr ? [`trainer.g.lr=${plainLr}`, `trainer.d.lr=${plainLr}`] : [])];
    return {
      // The single run at its best: one loss and the EMA generator the search's members sample from
      // too, so the table shows what evolution adds, not what the EMA does. Runs evaluate every
      // 1,000 iterations (~1 minute): often enough to stop near the budget, rarely enough to cost
      // little.
      plain: { kind: "run", config: cfg("egan-dcgan-mnist.json"), set: plain },
      // The plain run with the tuned learning-rate half-life for G and D, so the table shows what
      // the decay does in one run, apart from what evolution adds to it (search+decay).
      "plain+decay": { kind: "run", config: cfg("egan-dcgan-mnist.json"), set: [...plain, ...IMAGE_HALF_LIFE] },
      // plain+decay with a spectrally normalised D; and the search on top of that recipe (the same
      // D, learning rates and half-lives, fixed), PBT over E-GAN's γ and mutation set alone.
      "plain+decay+sn": { kind: "run", config: cfg("egan-dcgan-mnist.json"), set: [...plain, ...IMAGE_HALF_LIFE, SPECTRAL_NORM] },
      "search+sn": { kind: "sweep", config: cfg("sweep-search-dcgan-mnist-sn.json"), set: [] },
      // The search without E-GAN's children: 2 one-loss members on plain+decay+sn's recipe (the
      // first exactly that run), PBT over which loss each uses, evaluating every 1,000 iterations
      // as the run does. Each member trains as fast as the single run, so what the search adds
      // is selection alone.
      "pbt+sn": { kind: "sweep", config: cfg("sweep-pbt-dcgan-mnist-sn.json"), set: [] },
      // Population parameter averaging: 2 members on the same recipe from one initialisation, their
      // states replaced by the mean every 500 iterations (local SGD), so that both cores train one
      // lineage on twice the batches instead of the search only choosing between two.
      "avg+sn": { kind: "sweep", config: cfg("sweep-average-dcgan-mnist-sn.json"), set: [] },
      egan: { kind: "run", config: cfg("egan-dcgan-mnist.json"), set: [IMAGE_EMA, "eval.every=1000"] },
      // E-GAN evolving every 10th iteration: its overhead over the plain arm shrinks to ~1/10.
      "egan-every10": { kind: "run", config: cfg("egan-dcgan-mnist.json"), set: [IMAGE_EMA, "eval.every=1000", "trainer.evolveEvery=10"] },
      pbt: { kind: "sweep", config: cfg("sweep-pbt-dcgan-mnist.json"), set: [] },
      search: { kind: "sweep", config: cfg("sweep-search-dcgan-mnist.json"), set: [] },
      // The search with G's and D's half-lives among the hyperparameters PBT evolves.
      "search+decay": { kind: "sweep", config: cfg("sweep-search-dcgan-mnist.json"), set: [], hyperparameters: { "trainer.g.lrHalfLife": HALF_LIFE_RANGE, "trainer.d.lrHalfLife": HALF_LIFE_RANGE } },
      // PGGAN (issue 18) against the plain DCGAN above, of similar size (161k and 174k weights), as
      // shipped (no EMA: an average would hold the previous stage through a fade), and with the
      // paper's EMA of G from the end of the last fade (iteration 4000 of the default schedule).
      pggan: { kind: "run", config: cfg("pggan-mnist.json"), set: ["eval.every=1000"] },
      "pggan+ema": { kind: "run", config: cfg("pggan-mnist.json"), set: ["eval.every=1000", `trainer.ema={"decay":0.999,"start":4000}`] },
      // PBT over the growth schedule (configs/sweep-pbt-pggan-mnist.json: 2 members, one per core,
      // the first starting on the default schedule, each with the EMA from its own last fade),
      // against the fixed schedule of pggan+ema.
      "pggan-pbt": { kind: "sweep", config: cfg("sweep-pbt-pggan-mnist.json"), set: [] },
    };
  }
  // The ablation: the shipped search's training settings (smaller, faster nets on larger batches,
  // the EMA generator, annealed instance noise) applied to one plain run and to E-GAN, so the
  // table separates what the settings do from what evolution adds.
  const recipe = [
    "model.gHidden=[256,256,256]", "model.dHidden=[256,256,256]", "trainer.batchSize=256", "trainer.g.lr=5e-4", "trainer.d.lr=5e-4",
    `trainer.ema={"decay":0.999,"start":1000}`, `trainer.instanceNoise={"std":0.1,"until":6000}`,
  ];
  return {
    plain: { kind: "run", config: cfg(`baseline-${task}.json`), set: plainLr ? [`trainer.g.lr=${plainLr}`, `trainer.d.lr=${plainLr}`] : [] },
    "plain+recipe": { kind: "run", config: cfg(`baseline-${task}.json`), set: recipe },
    egan: { kind: "run", config: cfg(`egan-${task}.json`), set: [] },
    "egan+recipe": { kind: "run", config: cfg(`egan-${task}.json`), set: recipe },
    pbt: { kind: "sweep", config: cfg(`sweep-pbt-${task}.json`), set: [] },
    // PBT over the search's population (exploit: the worse copies the better; explore its loss and lrs).
    search: { kind: "sweep", config: cfg(`sweep-search-${task}.json`), set: ["strategy.kind=pbt", "strategy.quantile=0.5"] },
    // The same population without exploitation: the better of two independent members (what the config ships).
    random: { kind: "sweep", config: cfg(`sweep-search-${task}.json`), set: ["strategy.kind=random-search"] },
    // What a user gets from the shipped search config, untouched (the budget only caps it).
    shipped: { kind: "sweep", config: cfg(`sweep-search-${task}.json`), set: [], asShipped: true },
  };
}

interface Result {
  readonly arm: string;
  readonly seed: number;
  readonly metrics: EvalMetrics;
  /** Iterations summed over members (a run: its own). */
  readonly memberIterations: number;
  readonly wallSeconds: number;
  readonly member?: string;
  /** MNIST: the same generator scored on fresh samples after the budget (bench/fresh-eval.ts). */
  readonly fresh?: FreshScores;
}

/** A run's seed settings: its seed, and on the semi task the label choice's too. */
function seedSets(seed: number): string[] {
  return semi ? [`seed=${seed}`, `task.labelSeed=${seed}`] : [`seed=${seed}`];
}

/**
 * The sweep config an arm runs: as shipped, or a copy with the population inlined, its base's
 * label seed set on the semi task and the arm's own hyperparameters added.
 */
async function sweepConfigFor(arm: Arm, seed: number, runName: string, workDir: string): Promise<string> {
  if (!semi && !arm.hyperparameters) return arm.config;
  const sweep = JSON.parse(await readFile(arm.config, "utf8"));
  const population = JSON.parse(await readFile(join(root, "configs", sweep.population), "utf8"));
  if (semi) population.base.task = { ...population.base.task, labelSeed: seed };
  population.hyperparameters = { ...population.hyperparameters, ...arm.hyperparameters };
  const file = join(workDir, `${runName}.sweep.json`);
  await writeFile(file, JSON.stringify({ ...sweep, population }, null, 2));
  return file;
}

const readJsonl = async (file: string) => (await readFile(file, "utf8")).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

const runNameOf = (arm: string, seed: number) => `${arm.replace(/[^A-Za-z0-9_-]/g, "-")}-s${seed}`;
/** Where an (arm, seed) result is kept once it exists. */
const resultFile = (budget: number, arm: string, seed: number) => join(dirFor(budget), `${arm}-s${seed}.json`);

async function runArm(name: string, arm: Arm, seed: number, budget: number): Promise<Result> {
  const workDir = dirFor(budget);
  await mkdir(workDir, { recursive: true });
  const file = resultFile(budget, name, seed);
  const done = await readFile(file, "utf8").then((t) => JSON.parse(t) as Result, () => undefined);
  if (done) return done;
  const runName = runNameOf(name, seed);
  // A directory without a result is what a killed benchmark left: start that arm afresh.
  await rm(join(workDir, runName), { recursive: true, force: true });
  const t0 = Date.now();
  let result: Result;
  if (arm.kind === "run") {
    const sets = [...arm.set, ...seedSets(seed), "budget.iterations=100000000", `budget.seconds=${budget}`, `outDir=${workDir}`, `name=${runName}`];
    await evoganCli(["run", arm.config, "--no-report", ...sets.flatMap((s) => ["--set", s])]);
    const events = await readJsonl(join(workDir, runName, "events.jsonl"));
    const last = events.filter((e) => e.type === "eval").at(-1);
    result = { arm: name, seed, metrics: last.metrics, memberIterations: last.it, wallSeconds: (Date.now() - t0) / 1000 };
  } else {
    const sets = [...arm.set, `seed=${seed}`, ...(arm.asShipped ? [] : ["generations=100000"]), `budget.seconds=${budget}`, `outDir=${workDir}`, `name=${runName}`];
    await evoganCli(["sweep", await sweepConfigFor(arm, seed, runName, workDir), ...sets.flatMap((s) => ["--set", s])]);
    const state = JSON.parse(await readFile(join(workDir, runName, "sweep.json"), "utf8"));
    const best = [...state.members].filter((m) => m.status === "active").sort((a, b) => (b.fitness ?? -Infinity) - (a.fitness ?? -Infinity))[0];
    result = { arm: name, seed, metrics: best.metrics, memberIterations: state.members.reduce((s: number, m: { iterations: number }) => s + m.iterations, 0), wallSeconds: (Date.now() - t0) / 1000, member: best.id };
  }
  await writeFile(file, JSON.stringify(result));
  return result;
}

/** Runs (arm, seed) jobs: runs two at a time (a core each), sweeps alone (they take every core). */
async function runAll(jobs: Array<{ name: string; arm: Arm; seed: number }>, budget: number): Promise<Result[]> {
  const out: Result[] = [];
  const lanes = Math.min(2, cpus().length);
  const runs = jobs.filter((j) => j.arm.kind === "run");
  const queue = [...runs];
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let j = queue.shift(); j; j = queue.shift()) out.push(await runArm(j.name, j.arm, j.seed, budget));
  }));
  for (const j of jobs.filter((j) => j.arm.kind === "sweep")) out.push(await runArm(j.name, j.arm, j.seed, budget));
  return out;
}

/** Lower is better: MMD² on toys, FID on images. */
const score = (m: EvalMetrics): number => ("fid" in m ? m.fid : "modes" in m ? (m.mmd ?? NaN) : NaN);

async function tunedLr(): Promise<number> {
  const file = join(root, "bench/results/equal-compute-tuning.json");
  type Tuning = Record<string, { lr: number; seeds: number[]; scores: Record<string, number> }>;
  const all: Tuning = await readFile(file, "utf8").then((t) => JSON.parse(t) as Tuning, () => ({}));
  const key = `${task}-${tuneSeconds}s`;
  if (all[key]) return all[key].lr;
  const scores: Record<string, number> = {};
  const results = await runAll(LR_GRID.flatMap((lr) => tuneSeeds.map((seed) => ({ name: `tune-lr${lr}`, arm: arms(lr).plain, seed }))), tuneSeconds);
  for (const lr of LR_GRID) {
    scores[String(lr)] = mean(results.filter((r) => r.arm === `tune-lr${lr}`).map((r) => score(r.metrics)));
    console.log(`tuning ${task}: lr ${lr} → mean ${image ? "FID" : "MMD²"} ${scores[String(lr)].toFixed(4)} (seeds ${tuneSeeds.join(",")})`);
  }
  const lr = Number(Object.entries(scores).sort((a, b) => a[1] - b[1])[0][0]);
  all[key] = { lr, seeds: tuneSeeds, scores };
  await writeFile(file, JSON.stringify(all, null, 2) + "\n");
  return lr;
}

const pm = (xs: readonly number[], digits: number, scale = 1) => `${(mean(xs) * scale).toFixed(digits)} ± ${(sd(xs) * scale).toFixed(digits)}`;

await mkdir(workDir, { recursive: true });
const lr = armNames.some((a) => TUNED_ARMS.includes(a)) ? await tunedLr() : undefined;
const table = arms(lr);
for (const a of armNames) if (!table[a]) throw new Error(`unknown arm ${a} (${Object.keys(table).join(", ")})`);
/** MNIST: scores each result's generator on fresh samples (once: the figures are kept in its result file). */
async function withFresh(results: Result[], budget: number): Promise<Result[]> {
  if (task !== "mnist" || results.every((r) => r.fresh)) return results;
  const score = await mnistScorer();
  const out: Result[] = [];
  for (const r of results) {
    if (r.fresh) { out.push(r); continue; }
    const dir = join(dirFor(budget), runNameOf(r.arm, r.seed), ...(r.member ? ["members", r.member] : []));
    const withScores = { ...r, fresh: await freshScores(dir, score) };
    await writeFile(resultFile(budget, r.arm, r.seed), JSON.stringify(withScores));
    out.push(withScores);
  }
  return out;
}
const results = await withFresh(await runAll(armNames.flatMap((name) => seeds.map((seed) => ({ name, arm: table[name], seed }))), seconds), seconds);

const commit = gitCommit();
const command = `node --import tsx bench/equal-compute.ts --task ${task} --seconds ${seconds} --seeds ${values.seeds} --arms ${values.arms} --tune-seeds ${values["tune-seeds"]}${values["tune-seconds"] ? ` --tune-seconds ${tuneSeconds}` : ""}`;
const header = semi
  ? ["arm", "test accuracy %", "validation accuracy %", "FID (n = 1000)", "member-its", "wall s"]
  : image
  ? ["arm", "FID (n = 1000)", "fresh FID (n = 1000)", "FID (n = 10,000)", "IS (n = 10,000)", "class TVD (n = 10,000)", "member-its", "wall s"]
  : ["arm", "modes", "high-quality %", "reverse KL", "MMD²", "member-its", "wall s"];
const rows = armNames.map((name) => {
  const rs = results.filter((r) => r.arm === name);
  const m = rs.map((r) => r.metrics);
  const its = pm(rs.map((r) => r.memberIterations), 0);
  const wall = pm(rs.map((r) => r.wallSeconds), 0);
  const label = TUNED_ARMS.includes(name) ? `${name} (lr ${lr})` : name;
  if (rs.length === 0) return [label, ...header.slice(1).map(() => "-")];
  if (semi) {
    const im = m.filter((x): x is ImageMetrics => isImageMetrics(x));
    return [label, pm(im.map((x) => x.testAccuracy ?? NaN), 2, 100), pm(im.map((x) => x.valAccuracy ?? NaN), 2, 100), pm(im.map((x) => x.fid), 1), its, wall];
  }
  if (image) {
    const im = m.filter((x): x is ImageMetrics => isImageMetrics(x));
    const f = rs.map((r) => r.fresh!);
    return [label, pm(im.map((x) => x.fid), 1), pm(f.map((x) => x.fid1k), 1), pm(f.map((x) => x.fid10k), 1), pm(f.map((x) => x.inceptionScore), 2), pm(f.map((x) => x.classTvd), 3), its, wall];
  }
  const toy = m.filter((x): x is ToyMetrics => !isImageMetrics(x));
  return [label, pm(toy.map((x) => x.modes), 1), pm(toy.map((x) => x.highQuality), 1, 100), pm(toy.map((x) => x.reverseKL), 3), pm(toy.map((x) => x.mmd ?? NaN), 4), its, wall];
});
const cpu = cpuModel();
const md = [
  `## ${task}, ${seconds} s wall per arm and seed (${new Date().toISOString()}, commit ${commit}${values.tag ? `, ${values.tag}` : ""})`,
  "",
  `\`${command}\`; ${cpus().length} cores (${cpu}); seeds ${values.seeds} reported${semi ? "" : `, ${values["tune-seeds"]} used to tune the plain arm's learning rate (at ${tuneSeconds} s)`}; mean ± sd over seeds.`,
  "",
  `| ${header.join(" | ")} |`,
  `|${header.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  "Per seed:",
  "",
  ...results.map((r) => `- ${r.arm} s${r.seed}${r.member ? ` (${r.member})` : ""}: ${JSON.stringify(r.metrics)}${r.fresh ? `, fresh ${JSON.stringify(r.fresh)}` : ""}, ${r.memberIterations} member-its, ${r.wallSeconds.toFixed(0)} s`),
  "",
].join("\n");
console.log(md);
await mkdir(join(root, "bench/results"), { recursive: true });
await appendFile(join(root, "bench/results/equal-compute.md"), md + "\n");
await appendFile(join(root, "bench/results/equal-compute.jsonl"), JSON.stringify({ date: new Date().toISOString(), commit, command, cpu, cores: cpus().length, task, seconds, plainLr: lr, results }) + "\n");
