// Every bad config is one clear line: it fails in the loader the CLI uses (loadRunConfig,
// loadSweepConfig) with the error the CLI maps to exit 2, its message names the field by its
// path (or the file), and no stack trace or second line leaks out. The last part runs the real
// CLI on a few of them: exit 2, one stderr line, and no directory under the config's outDir.
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { describeThrown, EXIT } from "../../src/cli/exit-codes.ts";
import { loadRunConfig } from "../../src/config/load-config.ts";
import { ConfigError } from "../../src/errors.ts";
import { loadSweepConfig } from "../../src/config/sweep-config.ts";
import { evogan } from "../helpers/cli-process.ts";

let dir = "";
/** The outDir every case names: nothing may ever be created there. */
let out = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "evogan-malformed-"));
  out = join(dir, "out");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Case {
  readonly name: string;
  /** The config as data (written as JSON), or its file's exact text. */
  readonly config: unknown;
  readonly text?: string;
  /** What the message must contain: the field's path, and for some the file's name or the dataset. */
  readonly names: readonly string[];
  readonly sets?: readonly string[];
  /** Files written next to the config (a population file). */
  readonly files?: Readonly<Record<string, string>>;
}

let written = 0;
async function writeCase(c: Case, file = "config.json"): Promise<string> {
  const at = join(dir, `case-${++written}`);
  await mkdir(at);
  for (const [name, text] of Object.entries(c.files ?? {})) await writeFile(join(at, name), text);
  const path = join(at, file);
  await writeFile(path, c.text ?? JSON.stringify(c.config, null, 2));
  return path;
}

async function thrownBy(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected the config to be rejected, but it loaded");
}

/** The error is the CLI's config error (exit 2), one line, naming what it should, no stack text. */
function expectOneLineConfigError(e: unknown, names: readonly string[]): void {
  expect(e).toBeInstanceOf(ConfigError);
  const { code, message } = describeThrown(e);
  expect(code).toBe(EXIT.config);
  expect(message).not.toMatch(/[\r\n\u2028\u2029]/);
  expect(message).not.toMatch(/\bat .+:\d+:\d+|RangeError|TypeError|SyntaxError|Error:/);
  for (const name of names) expect(message).toContain(name);
}

// ---- run configs --------------------------------------------------------------------------------

const toy = { name: "bad-run", outDir: "OUT", task: { dataset: "ring8" }, model: { gHidden: [8], dHidden: [8] }, budget: { iterations: 2 } };
const image = { name: "bad-run", outDir: "OUT", model: { family: "dcgan" }, budget: { iterations: 2 } };
const withOut = (config: unknown): unknown => JSON.parse(JSON.stringify(config).replaceAll('"OUT"', JSON.stringify(out)));
const run = (over: Record<string, unknown>): unknown => ({ ...toy, ...over });
const at = (section: string, over: Record<string, unknown>, base: Record<string, unknown> = toy): unknown => ({
  ...base,
  [section]: { ...((base[section] as Record<string, unknown> | undefined) ?? {}), ...over },
});

const runCases: Case[] = [
  // The config as a whole and its top level.
  { name: "an array instead of an object", config: [], names: ["config:"] },
  { name: "a number instead of an object", config: 3, names: ["config:"] },
  { name: "null", config: null, names: ["config:"] },
  { name: "an unknown top-level key", config: run({ iterations: 10 }), names: ["iterations: unknown key"] },
  { name: "a dotted key written as one key", config: run({ "trainer.gamma": 1 }), names: ['config["trainer.gamma"]: unknown key'] },
  { name: "a key with a line break", config: run({ "a\nb": 1 }), names: ['config["a\\nb"]'] },
  { name: "a numeric name", config: run({ name: 5 }), names: ["name: expected a string"] },
  { name: "an empty name", config: run({ name: "" }), names: ["name:"] },
  { name: "a name with a slash", config: run({ name: "a/b" }), names: ["name: must be a file-name-safe name"] },
  { name: "a name of ..", config: run({ name: ".." }), names: ["name:"] },
  { name: "a name with a space", config: run({ name: "a b" }), names: ["name:"] },
  { name: "a name of 300 characters", config: run({ name: "n".repeat(300) }), names: ["name: must have at most 100 characters"] },
  { name: "a negative seed", config: run({ seed: -1 }), names: ["seed: must be >= 0"] },
  { name: "a fractional seed", config: run({ seed: 1.5 }), names: ["seed: expected an integer"] },
  { name: "a seed as a string", config: run({ seed: "1" }), names: ["seed:"] },
  { name: "an unknown backend", config: run({ backend: "webgl" }), names: ["backend: expected one of"] },
  { name: "an empty outDir", config: run({ outDir: "" }), names: ["outDir:"] },
  { name: "a numeric outDir", config: run({ outDir: 5 }), names: ["outDir: expected a string"] },
  { name: "an outDir under /proc", config: run({ outDir: "/proc/evogan-runs" }), names: ["outDir: must not be under /proc"] },
  { name: "outDir /proc itself", config: run({ outDir: "/proc" }), names: ["outDir: must not be under /proc"] },
  { name: "an outDir under /sys", config: run({ outDir: "/sys/kernel/evogan" }), names: ["outDir: must not be under /sys"] },
  { name: "an outDir under /dev", config: run({ outDir: "/dev/null/runs" }), names: ["outDir: must not be under /dev"] },
  { name: "an outDir with a NUL byte", config: run({ outDir: "runs\u0000x" }), names: ["outDir: must not contain a NUL"] },
  // task
  { name: "task as a string", config: run({ task: "ring8" }), names: ["task: expected an object"] },
  { name: "an unknown dataset", config: at("task", { dataset: "grid9" }), names: ["task.dataset: expected one of"] },
  { name: "an unknown task key", config: at("task", { datset: "ring8" }), names: ["task.datset: unknown key"] },
  { name: "task.limit 0", config: at("task", { limit: 0 }, image), names: ["task.limit: must be >= 1"] },
  { name: "task.limit on toy data", config: at("task", { limit: 10 }), names: ["task:", "image datasets"] },
  { name: "an empty task.files", config: at("task", { files: [] }, image), names: ["task.files: must have at least 1"] },
  { name: "an empty task.imagesFile", config: at("task", { imagesFile: "" }, image), names: ["task.imagesFile:"] },
  { name: "cifar10 (no classifier yet)", config: at("task", { dataset: "cifar10" }, image), names: ["task.dataset:", "cifar10"] },
  // model
  { name: "model as an array", config: run({ model: [] }), names: ["model: expected an object"] },
  { name: "an unknown family", config: at("model", { family: "gan" }), names: ["model.family: expected one of"] },
  { name: "zDim 0", config: at("model", { zDim: 0 }), names: ["model.zDim: must be >= 1"] },
  { name: "zDim 65 on the toy MLP", config: at("model", { zDim: 65 }), names: ["model.zDim: must be <= 64"] },
  { name: "no hidden layers", config: at("model", { gHidden: [] }), names: ["model.gHidden: must have at least 1"] },
  { name: "a zero-width hidden layer", config: at("model", { gHidden: [8, 0] }), names: ["model.gHidden[1]: must be >= 1"] },
  { name: "hidden widths as a string", config: at("model", { dHidden: "512" }), names: ["model.dHidden: expected an array"] },
  { name: "nine hidden layers", config: at("model", { dHidden: Array(9).fill(8) }), names: ["model.dHidden: must have at most 8"] },
  { name: "an image field on the MLP", config: at("model", { width: 16 }), names: ["model.width: unknown key"] },
  { name: "an image family on toy data", config: at("model", { family: "dcgan", gHidden: undefined, dHidden: undefined }), names: ["task.dataset:", "dcgan trains on images"] },
  { name: "the MLP on images", config: at("task", { dataset: "mnist" }), names: ["model.family:", "mnist"] },
  { name: "a DCGAN width of 4", config: at("model", { width: 4 }, image), names: ["model.width: must be >= 8"] },
  { name: "an attention resolution no block has", config: run({ task: undefined, model: { family: "biggan", attentionResolution: 9 } }), names: ["model.attentionResolution:"] },
  { name: "a boolean given as a string", config: run({ task: undefined, model: { family: "biggan", conditional: "yes" } }), names: ["model.conditional: expected a boolean"] },
  { name: "BigBiGAN hidden 0", config: run({ task: undefined, model: { family: "bigbigan", hidden: 0 } }), names: ["model.hidden: must be >= 1"] },
  { name: "BigBiGAN encoder lr scale 0", config: run({ task: undefined, model: { family: "bigbigan", encoderLrScale: 0 } }), names: ["model.encoderLrScale: must be > 0"] },
  { name: "feature matching for a DCGAN", config: run({ task: undefined, model: { family: "dcgan" }, trainer: { mutations: ["heuristic", "feature-matching"] } }), names: ["trainer.mutations:", "only the semi-supervised families"] },
  { name: "feature matching for the toy MLP", config: at("trainer", { mutations: ["feature-matching"] }), names: ["trainer.mutations:", "only the semi-supervised families"] },
  { name: "labels for a DCGAN", config: run({ task: { dataset: "mnist", labelled: 100 }, model: { family: "dcgan" } }), names: ["task.labelled: is for the semi-supervised families"] },
  { name: "SGAN labels not a multiple of the classes", config: run({ task: { dataset: "mnist", labelled: 105 }, model: { family: "sgan" } }), names: ["task.labelled: must be a multiple of the 10 classes", "105"] },
  { name: "SGAN validation of 0", config: run({ task: { dataset: "mnist", validation: 0 }, model: { family: "sgan" } }), names: ["task.validation: must be >= 1"] },
  { name: "SGAN with the hinge D loss", config: run({ task: undefined, model: { family: "sgan" }, trainer: { dLoss: "hinge" } }), names: ["trainer.dLoss:", "bce"] },
  { name: "SGAN noise below 0", config: run({ task: undefined, model: { family: "sgan", inputNoise: -0.1 } }), names: ["model.inputNoise: must be >= 0"] },
  // trainer
  { name: "an unknown trainer kind", config: at("trainer", { kind: "wgan" }), names: ["trainer.kind: expected one of"] },
  { name: "no mutations", config: at("trainer", { mutations: [] }), names: ["trainer.mutations: must have at least 1"] },
  { name: "an unknown mutation", config: at("trainer", { mutations: ["wgan"] }), names: ["trainer.mutations[0]: expected one of"] },
  { name: "a repeated mutation", config: at("trainer", { mutations: ["heuristic", "heuristic"] }), names: ["trainer.mutations[1]: duplicate"] },
  { name: "mu 0", config: at("trainer", { mu: 0 }), names: ["trainer.mu: must be >= 1"] },
  { name: "mu 17", config: at("trainer", { mu: 17 }), names: ["trainer.mu: must be <= 16"] },
  { name: "a negative gamma", config: at("trainer", { gamma: -1 }), names: ["trainer.gamma: must be >= 0"] },
  { name: "gamma as a string", config: at("trainer", { gamma: "2" }), names: ["trainer.gamma: expected a number"] },
  { name: "nD 0", config: at("trainer", { nD: 0 }), names: ["trainer.nD: must be >= 1"] },
  { name: "batch size 0", config: at("trainer", { batchSize: 0 }), names: ["trainer.batchSize: must be >= 1"] },
  { name: "a fractional batch size", config: at("trainer", { batchSize: 1.5 }), names: ["trainer.batchSize: expected an integer"] },
  { name: "an eval batch too large", config: at("trainer", { evalBatchSize: 9000 }), names: ["trainer.evalBatchSize: must be <= 8192"] },
  { name: "an unknown implementation", config: at("trainer", { implementation: "slow" }), names: ["trainer.implementation: expected one of"] },
  { name: "a zero learning rate", config: at("trainer", { g: { lr: 0 } }), names: ["trainer.g.lr: must be > 0"] },
  { name: "a learning rate as a word", config: at("trainer", { g: { lr: "fast" } }), names: ["trainer.g.lr: expected a number"] },
  { name: "beta1 of 1", config: at("trainer", { d: { beta1: 1 } }), names: ["trainer.d.beta1: must be < 1"] },
  { name: "a negative beta2", config: at("trainer", { d: { beta2: -0.1 } }), names: ["trainer.d.beta2: must be >= 0"] },
  { name: "epsilon 0", config: at("trainer", { g: { epsilon: 0 } }), names: ["trainer.g.epsilon: must be > 0"] },
  { name: "an unknown Adam key", config: at("trainer", { g: { momentum: 0.9 } }), names: ["trainer.g.momentum: unknown key"] },
  { name: "an unknown D loss", config: at("trainer", { dLoss: "wasserstein" }), names: ["trainer.dLoss: expected one of"] },
  { name: "the hinge D loss on the toy MLP", config: at("trainer", { dLoss: "hinge" }), names: ["trainer.dLoss:"] },
  { name: "a negative ortho reg", config: at("trainer", { orthoReg: -1 }), names: ["trainer.orthoReg: must be >= 0"] },
  { name: "ortho reg on the toy MLP", config: at("trainer", { orthoReg: 0.1 }), names: ["trainer.orthoReg:"] },
  { name: "an EMA decay of 1", config: at("trainer", { ema: { decay: 1, start: 0 } }), names: ["trainer.ema.decay: must be < 1"] },
  { name: "an EMA without start", config: at("trainer", { ema: { decay: 0.9 } }), names: ["trainer.ema.start: is required"] },
  { name: "an unknown EMA key", config: at("trainer", { ema: { decay: 0.9, start: 0, every: 2 } }), names: ["trainer.ema.every: unknown key"] },
  { name: "pack 0", config: at("trainer", { pack: 0 }), names: ["trainer.pack: must be >= 1"] },
  { name: "a batch that pack does not divide", config: at("trainer", { pack: 3, batchSize: 64 }), names: ["trainer.batchSize:", "trainer.pack"] },
  { name: "instance noise of std 0", config: at("trainer", { instanceNoise: { std: 0, until: 10 } }), names: ["trainer.instanceNoise.std: must be > 0"] },
  { name: "instance noise until 0", config: at("trainer", { instanceNoise: { std: 0.1, until: 0 } }), names: ["trainer.instanceNoise.until: must be >= 1"] },
  // budget and eval
  { name: "zero iterations", config: at("budget", { iterations: 0 }), names: ["budget.iterations: must be >= 1"] },
  { name: "zero seconds", config: at("budget", { seconds: 0 }), names: ["budget.seconds: must be > 0"] },
  { name: "an unknown budget key", config: at("budget", { minutes: 3 }), names: ["budget.minutes: unknown key"] },
  { name: "budget as an array", config: run({ budget: [1] }), names: ["budget: expected an object"] },
  { name: "eval every 0", config: at("eval", { every: 0 }), names: ["eval.every: must be >= 1"] },
  { name: "negative eval samples", config: at("eval", { samples: -5 }), names: ["eval.samples: must be >= 1"] },
  { name: "a grid too large", config: at("eval", { grid: 2000 }), names: ["eval.grid: must be <= 1024"] },
  { name: "an unknown eval key", config: at("eval", { foo: 1 }), names: ["eval.foo: unknown key"] },
  // --set overrides
  { name: "a --set without '='", config: run({}), sets: ["trainer.gamma"], names: ["--set:", '"trainer.gamma"'] },
  { name: "a --set of a typo'd key", config: run({}), sets: ["trainer.gama=1"], names: ["trainer.gama: unknown key"] },
  { name: "a --set past the end of a list", config: run({}), sets: ["model.gHidden.9=1"], names: ["--set:", "past the end of model.gHidden"] },
  { name: "a --set of a bad value", config: run({}), sets: ["eval.every=0"], names: ["eval.every: must be >= 1"] },
];

// The file itself: each names the file, and syntax errors the line and column.
const fileCases: Case[] = [
  { name: "a missing comma", config: undefined, text: '{\n  "seed": 1\n  "name": "x"\n}\n', names: ["syntax.json", "line 3, column 3"] },
  { name: "a trailing comma", config: undefined, text: '{\n  "seed": 1,\n}\n', names: ["syntax.json", "line 3, column 1", "trailing comma"] },
  { name: "an unquoted key over several lines", config: undefined, text: '{\n  "trainer": {\n    gamma: 2\n  }\n}\n', names: ["syntax.json", "line 3, column 5"] },
  { name: "a comment", config: undefined, text: '// my run\n{ "seed": 1 }\n', names: ["syntax.json", "line 1, column 1", "comments"] },
  { name: "single quotes", config: undefined, text: "{ 'seed': 1 }", names: ["syntax.json", "line 1, column 3"] },
  { name: "an empty file", config: undefined, text: "", names: ["syntax.json", "end of input"] },
  { name: "a truncated file", config: undefined, text: '{ "seed": 1', names: ["syntax.json", "line 1, column 12"] },
  { name: "a BOM before a syntax error", config: undefined, text: '\uFEFF{ "seed": 1,, }', names: ["syntax.json", "line 1, column 13"] },
  { name: "a BOM before a schema error", config: undefined, text: '\uFEFF{ "seed": -1 }', names: ["seed: must be >= 0"] },
  { name: "text after the JSON value", config: undefined, text: '{ "seed": 1 }\n}', names: ["syntax.json", "line 2, column 1"] },
];

describe("malformed run configs", () => {
  it.each(runCases)("$name: one line naming the field, exit 2", async (c) => {
    const file = await writeCase({ ...c, config: withOut(c.config) });
    expectOneLineConfigError(await thrownBy(() => loadRunConfig(file, c.sets ?? [])), c.names);
  });

  it.each(fileCases)("$name: one line naming the file, exit 2", async (c) => {
    const file = await writeCase(c, "syntax.json");
    expectOneLineConfigError(await thrownBy(() => loadRunConfig(file, [])), c.names);
  });

  it("a missing file and a directory name the file", async () => {
    expectOneLineConfigError(await thrownBy(() => loadRunConfig(join(dir, "nope.json"), [])), ["nope.json"]);
    expectOneLineConfigError(await thrownBy(() => loadRunConfig(dir, [])), [dir]);
  });

  it("a UTF-8 byte order mark before valid JSON is ignored", async () => {
    const file = await writeCase({ name: "bom", config: undefined, text: `\uFEFF${JSON.stringify(withOut(toy))}`, names: [] });
    expect((await loadRunConfig(file, [])).name).toBe("bad-run");
  });
});

// ---- sweep configs ------------------------------------------------------------------------------

const toyPopulation = {
  base: { task: { dataset: "ring8" }, model: { gHidden: [8], dHidden: [8] } },
  members: 2,
  hyperparameters: { "trainer.g.lr": { kind: "continuous", min: 1e-4, max: 1e-3, log: true } },
};
const imagePopulation = { base: { model: { family: "dcgan", width: 8 } }, members: 2, hyperparameters: {} };
const validSweep = { name: "bad-sweep", outDir: "OUT", population: toyPopulation, generations: 1, segment: { iterations: 1 } };
const sweep = (over: Record<string, unknown>): unknown => ({ ...validSweep, ...over });
const population = (over: Record<string, unknown>, base: Record<string, unknown> = toyPopulation): unknown => sweep({ population: { ...base, ...over } });
const hyper = (key: string, spec: unknown): unknown => population({ hyperparameters: { [key]: spec } });
const members = (list: unknown): unknown => population({ members: list });

const sweepCases: Case[] = [
  // The sweep's own fields.
  { name: "a sweep that is a list", config: [validSweep], names: ["config:"] },
  { name: "no name", config: sweep({ name: undefined }), names: ["name: is required"] },
  { name: "a name of 300 characters", config: sweep({ name: "s".repeat(300) }), names: ["name: must have at most 100 characters"] },
  { name: "a name with a space", config: sweep({ name: "my sweep" }), names: ["name: must be a file-name-safe name"] },
  { name: "an unknown top-level key", config: sweep({ generation: 3 }), names: ["generation: unknown key"] },
  { name: "a negative seed", config: sweep({ seed: -1 }), names: ["seed: must be >= 0"] },
  { name: "an unknown backend", config: sweep({ backend: "gpu" }), names: ["backend: expected one of"] },
  { name: "unparseable devices", config: sweep({ devices: "gpu0" }), names: ["devices: must be \"auto\", \"cpu\" or GPU indices"] },
  { name: "zero threads", config: sweep({ threads: 0 }), names: ["threads: must be >= 1"] },
  { name: "an outDir under /proc", config: sweep({ outDir: "/proc/self/evogan" }), names: ["outDir: must not be under /proc"] },
  { name: "an empty outDir", config: sweep({ outDir: "" }), names: ["outDir:"] },
  { name: "no population", config: sweep({ population: undefined }), names: ["population: is required"] },
  { name: "a numeric population", config: sweep({ population: 3 }), names: ["population: expected a population file"] },
  { name: "an empty population path", config: sweep({ population: "" }), names: ["population: expected a population file"] },
  { name: "a missing population file", config: sweep({ population: "nope.json" }), names: ["population:", "nope.json"] },
  { name: "a population file that is not JSON", config: sweep({ population: "pop.json" }), files: { "pop.json": "{ members: 2 }" }, names: ["population:", "pop.json", "line 1, column 3"] },
  { name: "a member error inside a population file", config: sweep({ population: "pop.json" }), files: { "pop.json": JSON.stringify({ ...toyPopulation, base: { trainer: { gama: 1 } } }) }, names: ["population.base.trainer.gama: unknown key", "pop.json"] },
  { name: "an unknown strategy", config: sweep({ strategy: { kind: "ga" } }), names: ["strategy.kind: expected one of"] },
  { name: "a quantile above 0.5", config: sweep({ strategy: { kind: "pbt", quantile: 0.7 } }), names: ["strategy.quantile: must be <= 0.5"] },
  { name: "a quantile of 0", config: sweep({ strategy: { kind: "pbt", quantile: 0 } }), names: ["strategy.quantile: must be > 0"] },
  { name: "a resample probability of 2", config: sweep({ strategy: { kind: "pbt", resampleProbability: 2 } }), names: ["strategy.resampleProbability: must be <= 1"] },
  { name: "an unknown strategy key", config: sweep({ strategy: { kind: "pbt", elite: 2 } }), names: ["strategy.elite: unknown key"] },
  { name: "an unknown fitness metric", config: sweep({ fitness: { metric: "accuracy" } }), names: ["fitness.metric: expected one of"] },
  { name: "zero generations", config: sweep({ generations: 0 }), names: ["generations: must be >= 1"] },
  { name: "no generations", config: sweep({ generations: undefined }), names: ["generations: is required"] },
  { name: "a zero-second budget", config: sweep({ budget: { seconds: 0 } }), names: ["budget.seconds: must be > 0"] },
  { name: "no segment", config: sweep({ segment: undefined }), names: ["segment: is required"] },
  { name: "a segment of 0 iterations", config: sweep({ segment: { iterations: 0 } }), names: ["segment.iterations: must be >= 1"] },
  { name: "zero eval samples", config: sweep({ eval: { samples: 0 } }), names: ["eval.samples: must be >= 1"] },
  { name: "keeping no checkpoints", config: sweep({ checkpoints: { keep: 0 } }), names: ["checkpoints.keep: must be >= 1"] },
  { name: "eleven retries", config: sweep({ retries: 11 }), names: ["retries: must be <= 10"] },
  { name: "negative retries", config: sweep({ retries: -1 }), names: ["retries: must be >= 0"] },
  { name: "a --set of a bad sweep value", config: sweep({}), sets: ["generations=0"], names: ["generations: must be >= 1"] },
  // Fitness metrics that do not apply to the members' data (fault: accepted, then every member NaN).
  ...[
    ["fid", "ring8"],
    ["inception-score", "grid25"],
    ["class-tvd", "ring8"],
  ].map(([metric, dataset]): Case => ({
    name: `the image metric ${metric} on ${dataset}`,
    config: { ...(population({ base: { ...toyPopulation.base, task: { dataset } } }) as object), fitness: { metric } },
    names: ["fitness.metric:", `"${metric}"`, dataset],
  })),
  ...["mmd", "toy-score", "modes", "high-quality", "reverse-kl"].map((metric): Case => ({
    name: `the toy metric ${metric} on mnist`,
    config: { ...(population({}, imagePopulation) as object), fitness: { metric } },
    names: ["fitness.metric:", `"${metric}"`, "mnist"],
  })),
  { name: "an image tie-break on toy data", config: sweep({ fitness: { metric: "mmd", tieBreak: "fid" } }), names: ["fitness.tieBreak:", "ring8"] },
  { name: "a toy tie-break on images", config: { ...(population({}, imagePopulation) as object), fitness: { metric: "fid", tieBreak: "high-quality" } }, names: ["fitness.tieBreak:", "mnist"] },
  { name: "validation accuracy of DCGAN members", config: { ...(population({}, imagePopulation) as object), fitness: { metric: "val-accuracy" } }, names: ["fitness.metric:", "val-accuracy", "dcgan, which has none"] },
  // population.members
  { name: "zero members", config: members(0), names: ["population.members: expected a member count (an integer from 1 to 256) or a non-empty array"] },
  { name: "a negative member count", config: members(-3), names: ["population.members: expected a member count"] },
  { name: "a fractional member count", config: members(1.5), names: ["population.members: expected a member count"] },
  { name: "300 members", config: members(300), names: ["population.members: expected a member count", "300"] },
  { name: "an empty member list", config: members([]), names: ["population.members: expected a member count", "non-empty array"] },
  { name: "a member count as a string", config: members("4"), names: ["population.members: expected a member count"] },
  { name: "no members", config: population({ members: undefined }), names: ["population.members: is required"] },
  { name: "a null member", config: members([null]), names: ["population.members[0]: expected an object"] },
  { name: "a member id with a space", config: members([{ id: "a b" }]), names: ["population.members[0].id: must be a file-name-safe name"] },
  { name: "a member id with a dot", config: members([{ id: "a.b" }]), names: ["population.members[0].id:"] },
  { name: "a member id of 101 characters", config: members([{ id: "x".repeat(101) }]), names: ["population.members[0].id: must have at most 100"] },
  { name: "two members with one id", config: members([{ id: "a" }, { id: "b" }, { id: "a" }]), names: ['population.members[2].id: duplicate member id "a"', "population.members[0]"] },
  { name: "a default id that is taken", config: members([{ id: "m1" }, {}]), names: ['population.members[1]: its default id "m1"'] },
  { name: "an unknown member key", config: members([{ id: "a", sett: {} }]), names: ["population.members[0].sett: unknown key"] },
  { name: "a member set that is a list", config: members([{ id: "a", set: [] }]), names: ["population.members[0].set: expected an object"] },
  { name: "a member set key that is not a path", config: members([{ id: "a", set: { "trainer..mu": 1 } }]), names: ['population.members[0].set["trainer..mu"]: is not a valid key'] },
  { name: "a member set of a bad value", config: members([{ id: "a", set: { "trainer.mu": 0 } }]), names: ["population.members[0] (a) trainer.mu: must be >= 1"] },
  { name: "a member set of an unknown path", config: members([{ id: "a" }, { id: "b", set: { "trainer.gama": 1 } }]), names: ["population.members[1] (b) trainer.gama: unknown key"] },
  { name: "a member that sets its seed", config: members([{ id: "a", set: { seed: 3 } }]), names: ["population.members[0].set.seed: is set by"] },
  { name: "a member whose set breaks a cross-field rule", config: members([{ id: "a", set: { "trainer.dLoss": "hinge" } }]), names: ["population.members[0] (a) trainer.dLoss:"] },
  // population.base
  { name: "a base that is a number", config: population({ base: 3 }), names: ["population.base: expected an object"] },
  { name: "a base with an unknown top-level key", config: population({ base: { iterations: 5 } }), names: ["population.base.iterations: unknown key"] },
  { name: "a base with an unknown nested key", config: population({ base: { trainer: { gama: 1 } } }), names: ["population.base.trainer.gama: unknown key"] },
  { name: "a base with a bad value", config: population({ base: { task: { dataset: "ring8" }, trainer: { mu: 0 } } }), names: ["population.base.trainer.mu: must be >= 1"] },
  { name: "a base that breaks a cross-field rule", config: population({ base: { model: { family: "dcgan" }, task: { dataset: "ring8" } } }), names: ["population.base.task.dataset:"] },
  { name: "an unknown population key", config: population({ strategy: "pbt" }), names: ["population.strategy: unknown key"] },
  // population.hyperparameters
  { name: "hyperparameters as a list", config: population({ hyperparameters: [] }), names: ["population.hyperparameters: expected an object"] },
  { name: "a hyperparameter key that is not a path", config: hyper("trainer..g", { kind: "choice", values: [1] }), names: ['population.hyperparameters["trainer..g"]: is not a valid key'] },
  { name: "a hyperparameter spec that is a number", config: hyper("trainer.g.lr", 1e-3), names: ['population.hyperparameters["trainer.g.lr"]: expected an object'] },
  { name: "a hyperparameter without kind", config: hyper("trainer.g.lr", { min: 1e-4, max: 1e-3 }), names: ['population.hyperparameters["trainer.g.lr"].kind: is required'] },
  { name: "an unknown hyperparameter kind", config: hyper("trainer.g.lr", { kind: "uniform", min: 1e-4, max: 1e-3 }), names: ['population.hyperparameters["trainer.g.lr"].kind: expected one of'] },
  { name: "a range with min > max", config: hyper("trainer.g.lr", { kind: "continuous", min: 0.1, max: 0.01 }), names: ['population.hyperparameters["trainer.g.lr"].min: must be ≤ max (got min 0.1, max 0.01)'] },
  { name: "an integer range with min > max", config: hyper("trainer.nD", { kind: "integer", min: 3, max: 1 }), names: ['population.hyperparameters["trainer.nD"].min: must be ≤ max (got min 3, max 1)'] },
  { name: "a log range from 0", config: hyper("trainer.g.lr", { kind: "continuous", min: 0, max: 0.01, log: true }), names: ['population.hyperparameters["trainer.g.lr"].min: a log range needs min > 0'] },
  { name: "a log range from a negative number", config: hyper("trainer.gamma", { kind: "continuous", min: -1, max: 1, log: true }), names: ['population.hyperparameters["trainer.gamma"].min: a log range needs min > 0'] },
  { name: "a range bound as a string", config: hyper("trainer.g.lr", { kind: "continuous", min: "0.1", max: 1 }), names: ['population.hyperparameters["trainer.g.lr"].min: expected a number'] },
  { name: "a range without max", config: hyper("trainer.g.lr", { kind: "continuous", min: 0.1 }), names: ['population.hyperparameters["trainer.g.lr"].max: is required'] },
  { name: "a fractional integer bound", config: hyper("trainer.nD", { kind: "integer", min: 1.5, max: 3 }), names: ['population.hyperparameters["trainer.nD"].min: expected an integer'] },
  { name: "an unknown key in a range spec", config: hyper("trainer.g.lr", { kind: "continuous", min: 1e-4, max: 1e-3, lg: true }), names: ['population.hyperparameters["trainer.g.lr"].lg: unknown key'] },
  { name: "a range key in a choice spec", config: hyper("trainer.mutations", { kind: "choice", values: [["heuristic"]], min: 1 }), names: ['population.hyperparameters["trainer.mutations"].min: unknown key'] },
  { name: "a choice of nothing", config: hyper("trainer.gamma", { kind: "choice", values: [] }), names: ['population.hyperparameters["trainer.gamma"].values: must have at least 1'] },
  { name: "a choice whose values are not a list", config: hyper("trainer.gamma", { kind: "choice", values: 1 }), names: ['population.hyperparameters["trainer.gamma"].values: expected an array'] },
  { name: "a choice of an object", config: hyper("trainer.gamma", { kind: "choice", values: [{ a: 1 }] }), names: ['population.hyperparameters["trainer.gamma"].values[0]: expected a number, string, boolean or a non-empty list'] },
  { name: "a choice of an empty list", config: hyper("trainer.mutations", { kind: "choice", values: [[]] }), names: ['population.hyperparameters["trainer.mutations"].values[0]: must have at least 1'] },
  { name: "a choice value the run config rejects", config: hyper("trainer.mutations", { kind: "choice", values: [["heuristic"], ["wgan"]] }), names: ['population.hyperparameters["trainer.mutations"].values[1]:', "trainer.mutations[0]: expected one of"] },
  { name: "an unknown hyperparameter path", config: hyper("trainer.g.lrr", { kind: "continuous", min: 1e-4, max: 1e-3 }), names: ['population.hyperparameters["trainer.g.lrr"]: no such run-config field', "trainer.g has no field \"lrr\""] },
  { name: "an image field on toy members", config: hyper("model.width", { kind: "integer", min: 8, max: 16 }), names: ['population.hyperparameters["model.width"]: no such run-config field'] },
  { name: "a range the run config rejects at its min", config: hyper("trainer.mu", { kind: "integer", min: 0, max: 2 }), names: ['population.hyperparameters["trainer.mu"].min:', "trainer.mu: must be >= 1"] },
  { name: "a range the run config rejects at its max", config: hyper("trainer.g.beta1", { kind: "continuous", min: 0, max: 1 }), names: ['population.hyperparameters["trainer.g.beta1"].max:', "trainer.g.beta1: must be < 1"] },
  { name: "a continuous range on an integer field", config: hyper("trainer.nD", { kind: "continuous", min: 1, max: 3 }), names: ['population.hyperparameters["trainer.nD"]: a value inside the range', "trainer.nD: expected an integer", 'use "kind": "integer"'] },
  { name: "a hyperparameter the sweep sets", config: hyper("seed", { kind: "integer", min: 1, max: 3 }), names: ["population.hyperparameters.seed: is set by"] },
];

describe("malformed sweep configs", () => {
  it.each(sweepCases)("$name: one line naming the field, exit 2", async (c) => {
    const file = await writeCase({ ...c, config: withOut(c.config) });
    expectOneLineConfigError(await thrownBy(() => loadSweepConfig(file, c.sets ?? [])), c.names);
  });

  it("a sweep JSON syntax error names the file, line and column", async () => {
    const file = await writeCase({ name: "syntax", config: undefined, text: '{ "name": "s",\n  "generations": 1,,\n}', names: [] }, "sweep-syntax.json");
    expectOneLineConfigError(await thrownBy(() => loadSweepConfig(file)), ["sweep-syntax.json", "line 2, column 20"]);
  });

  it("a population file with a BOM loads", async () => {
    const file = await writeCase({ name: "bom", config: withOut(sweep({ population: "pop.json" })), files: { "pop.json": `\uFEFF${JSON.stringify(toyPopulation)}` }, names: [] });
    expect((await loadSweepConfig(file)).population.members).toBe(2);
  });
});

// ---- the real CLI -------------------------------------------------------------------------------

async function noDirectory(path: string): Promise<void> {
  await expect(access(path)).rejects.toThrow(/ENOENT/);
}

describe("the evogan CLI on a bad config or bad usage", () => {
  const cli = async (args: string[]) => {
    const r = await evogan(args);
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    return { ...r, lines };
  };

  it.each([
    ["sweep", "a range with min > max", hyper("trainer.g.lr", { kind: "continuous", min: 0.1, max: 0.01 }), 'population.hyperparameters["trainer.g.lr"].min: must be ≤ max'],
    ["sweep", "an unknown key in the population's base", population({ base: { trainer: { gama: 1 } } }), "population.base.trainer.gama: unknown key"],
    ["sweep", "FID on toy data", sweep({ fitness: { metric: "fid" } }), "fitness.metric:"],
    ["run", "a name of 300 characters", run({ name: "n".repeat(300) }), "name: must have at most 100 characters"],
  ])("%s with %s exits 2 with one line and creates nothing", async (command, _what, config, message) => {
    const file = await writeCase({ name: "cli", config: withOut(config), names: [] });
    const r = await cli([command, file]);
    expect(r.code).toBe(EXIT.config);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^evogan: invalid config: /);
    expect(r.lines[0]).toContain(message);
    expect(r.stdout).toBe("");
    await noDirectory(out);
  });

  it("an outDir under /proc is refused at once instead of hanging", async () => {
    const file = await writeCase({ name: "proc", config: sweep({ outDir: "/proc/evogan" }), names: [] });
    const r = await cli(["sweep", file]);
    expect(r.code).toBe(EXIT.config);
    expect(r.lines).toEqual(['evogan: invalid config: outDir: must not be under /proc (a virtual file system; runs cannot be written there), got string "/proc/evogan"']);
  });

  it("usage errors exit 2 with commander's one line; --help exits 0", async () => {
    // Independent processes: started together.
    const usage = [["run", "--backend", "nope"], ["run", "a.json", "b.json"], ["sweep", "--nope", "x.json"], ["sweep"]];
    const [help, ...results] = await Promise.all([cli(["run", "--help"]), ...usage.map(cli)]);
    usage.forEach((args, i) => {
      const r = results[i];
      expect({ args, code: r.code }).toEqual({ args, code: EXIT.config });
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(/^error: /);
    });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: evogan run/);
  });
});
