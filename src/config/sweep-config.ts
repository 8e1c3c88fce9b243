// Sweep configs (configs/*.json with a "population") and population specs (populations/*.json):
// what a population-based sweep starts with, how each member may mutate, and its budget.
// Every member is a full run config: the population's `base`, then the member's own `set`,
// then its sampled hyperparameters, decoded by the run-config schema (errors name the member).
// Loading a sweep config resolves every member this way, so a bad member fails before any file
// is written.
import { dirname, isAbsolute, resolve } from "node:path";
import { applyOverrides } from "./overrides.ts";
import { decodeRunConfig, isToyDataset, nameSchema, outDirSchema, BACKENDS, TOY_DATASETS, type Backend, type Dataset, type RunConfig } from "./run-config.ts";
import { ConfigError } from "../errors.ts";
import { ROOT, array, bool, describe, fail, fieldPath, indexPath, int, isPlainObject, json, literal, map, num, optional, record, str, struct, tagged, type Schema } from "./schema.ts";
import { readConfigFile } from "./load-config.ts";
import { FITNESS_METRICS, METRIC_DATA, type FitnessMetric } from "../metrics/member-fitness.ts";

// The search-space vocabulary is the strategies' (strategies/search-space.ts); the schema below decodes it.
import { DEFAULT_PBT_OPTIONS, validateHyperSpace, type HyperScalar, type HyperSpec, type HyperValue, type PbtOptions } from "../../strategies/search-space.ts";
import { POPULATION_STRATEGY_NAMES, type PopulationStrategyName } from "../../strategies/index.ts";
export type { HyperSpec, HyperValue };

export interface PopulationSpec {
  /** A partial run config every member starts from. */
  readonly base: unknown;
  /** How many members, or each member's id and its own overrides (dot path → value). */
  readonly members: number | ReadonlyArray<{ readonly id?: string; readonly set?: Readonly<Record<string, unknown>> }>;
  /** Dot path into the run config → how it is sampled at the start and mutated by PBT. */
  readonly hyperparameters: Readonly<Record<string, HyperSpec>>;
}

export interface SweepConfig {
  readonly name: string;
  readonly seed: number;
  readonly backend: Backend;
  /** "auto" | "cpu" | "0,1,..." (GPU indices). */
  readonly devices: string;
  /** Worker threads on a CPU machine (default: one per core); per GPU on a GPU machine. */
  readonly threads?: number;
  readonly outDir: string;
  readonly population: PopulationSpec;
  /** Which population strategy (strategies/index.ts) and PBT's options (random search ignores them). */
  readonly strategy: PbtOptions & { readonly kind: PopulationStrategyName };
  /**
   * What ranks members: an evaluation metric (higher is better after FID/TVD/rKL are negated);
   * "auto" is −MMD² to the mixture on toy data (the toy score can be gamed by smearing) and −FID on images. `tieBreak` orders equal fitnesses.
   */
  readonly fitness: { readonly metric: FitnessMetric; readonly tieBreak?: FitnessMetric };
  readonly generations: number;
  /**
   * A wall-clock budget (equal-compute comparisons): a generation that would end past it, judged
   * by the last generation's wall time, is not started. `generations` stays the upper bound.
   */
  readonly budget?: { readonly seconds: number };
  readonly segment: { readonly iterations: number };
  readonly eval: { readonly samples: number };
  readonly checkpoints: { readonly keep: number };
  /** Retries of a segment whose worker crashed, before the member is marked failed. */
  readonly retries: number;
}

/** At most this many members: each is a trainer resident in a worker, so more is a typo. */
const MAX_MEMBERS = 256;

/** A dot path into the run config (a hyperparameter; a member's `set` may also index a list as `a[1]`, like --set). */
const DOT_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;
const SET_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+|\[\d+\])*$/;
const DOT_PATH_TEXT = "a dot path into the run config, e.g. trainer.g.lr";

/** Run-config fields the sweep sets for every member: a member or PBT cannot choose them. */
const SET_BY_SWEEP: Readonly<Record<string, string>> = { name: "the member id", seed: "the sweep from its seed", backend: "the sweep's backend" };

const hyperScalar: Schema<HyperScalar> = {
  decode(value, path) {
    if (typeof value === "number") return num().decode(value, path);
    if (typeof value === "string" || typeof value === "boolean") return value;
    return fail(path, `expected a number, string or boolean, got ${describe(value)}`);
  },
};
const hyperScalars = array(hyperScalar, { minLength: 1 });
// A list is a value too: a choice between mutation sets (`trainer.mutations`) or layer widths.
const hyperValue: Schema<HyperValue> = {
  decode(value, path) {
    if (Array.isArray(value)) return hyperScalars.decode(value, path);
    if (isPlainObject(value) || value === null) fail(path, `expected a number, string, boolean or a non-empty list of them, got ${describe(value)}`);
    return hyperScalar.decode(value, path);
  },
};

function checkBounds<S extends { readonly min: number; readonly max: number }>(spec: S, path: string): S {
  if (spec.min > spec.max) fail(fieldPath(path, "min"), `must be ≤ max (got min ${spec.min}, max ${spec.max})`);
  return spec;
}

// Told apart by `kind`, so an error names the field of the kind given (not of the last kind tried).
const hyperSpec: Schema<HyperSpec> = tagged<HyperSpec>("kind", undefined, {
  continuous: map(struct({ kind: literal("continuous"), min: num(), max: num(), log: optional(bool()) }), (spec, path) => {
    if (spec.log && spec.min <= 0) fail(fieldPath(path, "min"), `a log range needs min > 0 (got min ${spec.min})`);
    return checkBounds(spec, path);
  }),
  integer: map(struct({ kind: literal("integer"), min: int(), max: int() }), checkBounds),
  choice: struct({ kind: literal("choice"), values: array(hyperValue, { minLength: 1 }) }),
});

const memberSchema = struct({
  id: optional(nameSchema({ dots: false })),
  set: optional(record(json(), { keyPattern: SET_PATH, keyText: DOT_PATH_TEXT })),
});
const memberList = array(memberSchema);

/** A count, or a non-empty list of members whose ids (given or `m<index>`) are all different. */
const membersSchema: Schema<PopulationSpec["members"]> = {
  decode(value, path) {
    const forms = `a member count (an integer from 1 to ${MAX_MEMBERS}) or a non-empty array of at most ${MAX_MEMBERS} members ({ "id", "set" })`;
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value) || value < 1 || value > MAX_MEMBERS) fail(path, `expected ${forms}, got ${describe(value)}`);
      return value;
    }
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_MEMBERS) fail(path, `expected ${forms}, got ${describe(value)}`);
    const members = memberList.decode(value, path);
    const seen = new Map<string, number>();
    members.forEach((m, i) => {
      const id = memberId(m.id, i);
      const first = seen.get(id);
      if (first !== undefined && m.id !== undefined) fail(fieldPath(indexPath(path, i), "id"), `duplicate member id ${JSON.stringify(id)} (${indexPath(path, first)} has it too)`);
      if (first !== undefined) fail(indexPath(path, i), `its default id ${JSON.stringify(id)} is already ${indexPath(path, first)}'s; give this member an "id"`);
      seen.set(id, i);
    });
    return members;
  },
};

const populationSchema: Schema<PopulationSpec> = struct({
  base: {
    decode: (value, path) => (isPlainObject(value) ? value : fail(path, `expected an object (a partial run config), got ${describe(value)}`)),
  },
  members: membersSchema,
  hyperparameters: record(hyperSpec, { keyPattern: DOT_PATH, keyText: DOT_PATH_TEXT }),
}, { base: {}, hyperparameters: {} });

// PBT with Ray Tune's PopulationBasedTraining defaults (quantile 0.25, resample probability 0.25,
// perturbation factors ×0.8 / ×1.2: strategies/search-space.ts DEFAULT_PBT_OPTIONS).
const STRATEGY_DEFAULTS = { kind: "pbt" as const, ...DEFAULT_PBT_OPTIONS };

/** Two positive factors a perturbed number is multiplied by (one chosen uniformly). */
const perturbFactors: Schema<readonly [number, number]> = map(array(num({ exclusiveMin: 0 }), { minLength: 2, maxLength: 2 }), (f) => [f[0], f[1]] as const);

/** Every default of a sweep config, each with its reason (as the run defaults in run-config.ts). */
export const SWEEP_DEFAULTS = {
  // Fixed, so that running one config twice gives the same sweep; change it to repeat a search.
  seed: 1,
  // The fastest backend installed (tfjs-node-gpu, tfjs-node, else wasm with the native GEMM).
  backend: "auto" as const,
  // Every GPU nvidia-smi sees (a process each), else one worker thread per core.
  devices: "auto",
  // Beside the single runs, so one `report runs/*` compares them all.
  outDir: "runs",
  strategy: STRATEGY_DEFAULTS,
  // −MMD² to the mixture on toy data, −FID on images: neither depends on a member's own
  // discriminator (members compare fairly) and a generator smeared over the plane cannot game them.
  fitness: { metric: "auto" as const, tieBreak: undefined },
  // 2,500 samples: the toy metrics' size in VEEGAN and PacGAN (their tables are comparable).
  eval: { samples: 2500 },
  // Three checkpoints per member leave two to fall back on when the newest is damaged.
  checkpoints: { keep: 3 },
  // Two retries ride out a transient fault (a worker killed by the OS); a third failure is the member's.
  retries: 2,
};

const sweepFileSchema = struct(
  {
    name: nameSchema({ dots: true }),
    seed: int({ min: 0 }),
    backend: literal(...BACKENDS),
    devices: str({ pattern: /^(auto|cpu|\d+(,\d+)*)$/, patternText: `be "auto", "cpu" or GPU indices such as "0,1"` }),
    threads: optional(int({ min: 1, max: 256 })),
    outDir: outDirSchema,
    // A path (relative to the config file) or the spec itself.
    population: {
      decode: (value: unknown, path: string): unknown =>
        (typeof value === "string" && value !== "") || isPlainObject(value) ? value : fail(path, `expected a population file (a path relative to the config) or a population object, got ${describe(value)}`),
    },
    strategy: struct(
      { kind: literal(...POPULATION_STRATEGY_NAMES), quantile: num({ exclusiveMin: 0, max: 0.5 }), resampleProbability: num({ min: 0, max: 1 }), perturbFactors },
      STRATEGY_DEFAULTS,
    ),
    fitness: struct({ metric: literal(...FITNESS_METRICS), tieBreak: optional(literal(...FITNESS_METRICS)) }, { metric: "auto" }),
    generations: int({ min: 1 }),
    budget: optional(struct({ seconds: num({ exclusiveMin: 0 }) })),
    segment: struct({ iterations: int({ min: 1 }) }),
    eval: struct({ samples: int({ min: 1 }) }, { samples: 2500 }),
    checkpoints: struct({ keep: int({ min: 1 }) }, { keep: 3 }),
    retries: int({ min: 0, max: 10 }),
  },
  SWEEP_DEFAULTS,
);

/**
 * Reads and validates a sweep config; a `population` path is read relative to the config file.
 * Every member's run config is resolved here, so a bad member fails before anything is written.
 */
export async function loadSweepConfig(file: string, sets: readonly string[] = []): Promise<SweepConfig> {
  const raw = applyOverrides(await readConfigFile(file), sets);
  const decoded = sweepFileSchema.decode(raw, ROOT);
  const given = decoded.population;
  if (typeof given !== "string") return checkedSweep(decoded, given);
  const path = isAbsolute(given) ? given : resolve(dirname(file), given);
  const population = await readConfigFile(path).catch((e: unknown) => {
    throw e instanceof ConfigError ? new ConfigError("population", e.reason) : e;
  });
  try {
    return checkedSweep(decoded, population);
  } catch (e) {
    // Name the file the population came from, as well as the field.
    if (e instanceof ConfigError && e.path.startsWith("population")) throw new ConfigError(e.path, `${e.reason} (in ${JSON.stringify(given)})`);
    throw e;
  }
}

/** Validates a sweep config whose population is given inline (a saved sweep-config.json). */
export function decodeSweepConfig(raw: unknown): SweepConfig {
  const decoded = sweepFileSchema.decode(raw, ROOT);
  return checkedSweep(decoded, decoded.population);
}

function checkedSweep(decoded: Omit<SweepConfig, "population"> & { readonly population: unknown }, population: unknown): SweepConfig {
  const sweep: SweepConfig = { ...decoded, population: populationSchema.decode(population, "population") };
  // The strategies' own rules on a space, in case they ever say more than the schema above.
  const problems = validateHyperSpace(sweep.population.hyperparameters);
  if (problems.length > 0) throw new ConfigError("population.hyperparameters", problems[0]);
  checkMembers(sweep);
  return sweep;
}

export interface MemberPlan {
  readonly id: string;
  /** The member's own overrides (not mutated by PBT). */
  readonly set: Readonly<Record<string, unknown>>;
}

/** A member's id: its own, or `m<index>`. */
function memberId(id: string | undefined, index: number): string {
  return id ?? `m${index}`;
}

export function memberPlans(p: PopulationSpec): MemberPlan[] {
  if (typeof p.members === "number") return Array.from({ length: p.members }, (_, i) => ({ id: memberId(undefined, i), set: {} }));
  return p.members.map((m, i) => ({ id: memberId(m.id, i), set: m.set ?? {} }));
}

/** The run config of one member with the given hyperparameter values; errors name the member. */
export function memberRunConfig(p: PopulationSpec, member: MemberPlan, index: number, hypers: Readonly<Record<string, HyperValue>>, sweep: SweepConfig, seed: number): RunConfig {
  try {
    return resolveMember(p, member, hypers, sweep.backend, seed);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`population.members[${index}] (${member.id}) ${e.path}`, e.reason);
    throw e;
  }
}

/** The population's `base`, then the member's `set`, then `hypers`, decoded (errors at run-config paths). */
function resolveMember(p: PopulationSpec, member: MemberPlan, hypers: Readonly<Record<string, HyperValue>>, backend: Backend, seed: number): RunConfig {
  const sets = [...Object.entries(member.set), ...Object.entries(hypers)].map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const raw = applyOverrides(p.base, sets) as Record<string, unknown>;
  return decodeRunConfig({ ...raw, name: member.id, seed, backend });
}

/**
 * Resolves every member's run config now, so that a bad `base`, member `set` or hyperparameter
 * fails while the config is validated, before the sweep directory exists. Each hyperparameter is
 * tried at the values a strategy can give it (both ends of a range, a value inside it, every
 * choice), one at a time. Then the fitness metric must be defined on every member's data.
 */
function checkMembers(sweep: SweepConfig): void {
  const p = sweep.population;
  const space = Object.entries(p.hyperparameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key] of space) {
    const reserved = SET_BY_SWEEP[key.split(".")[0]];
    if (reserved) fail(fieldPath("population.hyperparameters", key), `is set by ${reserved}, not searched`);
  }
  /** Each dataset a member trains on, and the first member on it. */
  const datasets = new Map<Dataset, string>();
  const note = (c: RunConfig, id: string) => datasets.has(c.task.dataset) || datasets.set(c.task.dataset, id);
  // Members with the same `set` (all of them, for a member count) differ only in their id: check one.
  const checked = new Set<string>();
  memberPlans(p).forEach((plan, i) => {
    for (const key of Object.keys(plan.set)) {
      const reserved = SET_BY_SWEEP[key.split(/[.[]/)[0]];
      if (reserved) fail(fieldPath(`population.members[${i}].set`, key), `is set by ${reserved}, not by a member`);
    }
    const set = JSON.stringify(plan.set);
    if (checked.has(set)) return;
    checked.add(set);
    const config = resolvePlain(sweep, plan, i);
    note(config, plan.id);
    for (const [key, spec] of space) {
      const missing = missingField(config, key);
      if (missing) fail(fieldPath("population.hyperparameters", key), `no such run-config field for member ${plan.id}: ${missing}`);
      for (const { value, at } of trialValues(spec)) {
        try {
          note(resolveMember(p, plan, { [key]: value }, sweep.backend, 0), plan.id);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          const inside = at === "";
          const hint = inside && e.reason.startsWith("expected an integer") ? `; use "kind": "integer" for an integer field` : "";
          const given = inside ? `a value inside the range (${JSON.stringify(value)})` : JSON.stringify(value);
          fail(fieldPath("population.hyperparameters", key) + at, `${given} makes member ${plan.id}'s run config invalid (${e.message})${hint}`);
        }
      }
    }
  });
  checkFitness(sweep.fitness, datasets);
}

/** A member with no hyperparameters applied; an error that the base alone has is the base's. */
function resolvePlain(sweep: SweepConfig, plan: MemberPlan, index: number): RunConfig {
  const p = sweep.population;
  try {
    return resolveMember(p, plan, {}, sweep.backend, 0);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    let alone: unknown;
    try {
      resolveMember(p, { id: plan.id, set: {} }, {}, sweep.backend, 0);
    } catch (baseError) {
      alone = baseError;
    }
    if (alone instanceof ConfigError && alone.path === e.path && alone.reason === e.reason) {
      throw new ConfigError(e.path === "config" || e.path.startsWith("config[") ? `population.base${e.path.slice("config".length)}` : `population.base.${e.path}`, e.reason);
    }
    return memberRunConfig(p, plan, index, {}, sweep, 0); // throws the member's error, naming it
  }
}

/** The values a strategy can give a hyperparameter that are worth a try, and where each comes from ("" inside a range). */
function trialValues(spec: HyperSpec): { value: HyperValue; at: string }[] {
  if (spec.kind === "choice") return spec.values.map((value, j) => ({ value, at: `.values[${j}]` }));
  const ends = [
    { value: spec.min, at: ".min" },
    { value: spec.max, at: ".max" },
  ];
  // A continuous range also gives fractions: try one inside it (1/π of the way, rarely a round number).
  if (spec.kind === "integer" || spec.min === spec.max) return ends;
  return [...ends, { value: spec.min + (spec.max - spec.min) / Math.PI, at: "" }];
}

/** Why `key` names no field of the run config (undefined when it does, or cannot tell: an optional section that is off). */
function missingField(config: RunConfig, key: string): string | undefined {
  let node: unknown = config;
  const segments = key.split(".");
  for (let j = 0; j < segments.length; j++) {
    const segment = segments[j];
    const at = segments.slice(0, j).join(".") || "the run config";
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(segment) || Number(segment) >= node.length) return `${at} is a list of ${node.length}, it has no element ${JSON.stringify(segment)}`;
      node = node[Number(segment)];
    } else if (isPlainObject(node)) {
      if (!Object.hasOwn(node, segment)) return `${at} has no field ${JSON.stringify(segment)} (it has ${Object.keys(node).join(", ")})`;
      node = node[segment];
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Metrics that rank members on this kind of data. */
export function fitnessMetricsFor(data: "toy" | "image"): FitnessMetric[] {
  return FITNESS_METRICS.filter((m) => METRIC_DATA[m] === "any" || METRIC_DATA[m] === data);
}

/** A metric that is NaN on a member's data would rank every member last: refuse it. */
function checkFitness(fitness: SweepConfig["fitness"], datasets: ReadonlyMap<Dataset, string>): void {
  for (const field of ["metric", "tieBreak"] as const) {
    const metric = fitness[field];
    if (metric === undefined || METRIC_DATA[metric] === "any") continue;
    for (const [dataset, member] of datasets) {
      const data = isToyDataset(dataset) ? "toy" : "image";
      if (METRIC_DATA[metric] === data) continue;
      const measured = data === "toy" ? "on images" : `on the toy mixtures (${TOY_DATASETS.join(", ")})`;
      const allowed = fitnessMetricsFor(data).map((m) => JSON.stringify(m)).join(", ");
      throw new ConfigError(`fitness.${field}`, `${JSON.stringify(metric)} is measured ${measured}, but member ${member} trains on ${dataset}; on ${dataset} use one of ${allowed}`);
    }
  }
}

/** Reads a value at a dot path of a run config (for a hyperparameter's starting value). */
export function valueAt(config: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), config);
}

