// Sweep configs (configs/*.json or .yaml with a "population") and population specs
// (populations/*.json or .yaml): what a population-based sweep starts with, how each member may
// mutate, and its budget.
// Every member is a full run config: the population's `base`, then the member's own `set`,
// then its sampled hyperparameters, decoded by the run-config schema (errors name the member).
// Decoding a sweep config resolves every member this way (a refinement of the sweep schema), so a
// bad member fails before any file is written.
import { dirname, isAbsolute, relative, resolve } from "node:path";

import * as Schema from "effect/Schema";

import { applyOverrides } from "./overrides.ts";
import { decodeRunConfig, isToyDataset, nameSchema, OutDir, BACKENDS, TOY_DATASETS, type Backend, type Dataset, type RunConfig } from "./run-config.ts";
import { ConfigError } from "../errors.ts";
import { above, atLeast, atMost, configFailure, decodeConfig, describe, failureAt, fieldPath, Finite, indexPath, Int, isPlainObject, matches, maxItems, minItems, withDefaults } from "./config-schema.ts";
import { locateConfigError, readConfigSource, type ConfigSource } from "./load-config.ts";
import { FITNESS_METRICS, METRIC_DATA, type FitnessMetric, type MetricData } from "../metrics/member-fitness.ts";

// The search-space vocabulary is the strategies' (strategies/search-space.ts declares what a
// strategy reads, and imports no Effect); the schemas below decode into them (`satisfies` checks).
import { DEFAULT_PBT_OPTIONS, validateHyperSpace, type HyperSpec, type HyperValue, type PbtOptions } from "../../strategies/search-space.ts";
import { POPULATION_STRATEGY_NAMES } from "../../strategies/index.ts";
export type { HyperSpec, HyperValue };

/** At most this many members: each is a trainer resident in a worker, so more is a typo. */
const MAX_MEMBERS = 256;

/** A dot path into the run config (a hyperparameter; a member's `set` may also index a list as `a[1]`, like --set). */
const DOT_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;
const SET_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+|\[\d+\])*$/;
const DOT_PATH_TEXT = "a dot path into the run config, e.g. trainer.g.lr";

/** Run-config fields the sweep sets for every member: a member or PBT cannot choose them. */
const SET_BY_SWEEP: Readonly<Record<string, string>> = { name: "the member id", seed: "the sweep from its seed", backend: "the sweep's backend" };

// ---- Every default, in one place ----------------------------------------------------------------

// PBT with Ray Tune's PopulationBasedTraining defaults (quantile 0.25, resample probability 0.25,
// perturbation factors ×0.8 / ×1.2: strategies/search-space.ts DEFAULT_PBT_OPTIONS).
const STRATEGY_DEFAULTS = { kind: "pbt", ...DEFAULT_PBT_OPTIONS } as const;

/** Every default of a sweep config, each with its reason (as the run defaults in run-config.ts). */
const SWEEP_DEFAULTS = {
  // Fixed, so that running one config twice gives the same sweep; change it to repeat a search.
  seed: 1,
  // The fastest backend installed (tfjs-node-gpu, tfjs-node, else wasm with the native GEMM).
  backend: "auto",
  // Every GPU nvidia-smi sees (a process each), else one worker thread per core.
  devices: "auto",
  // One worker thread per core on a CPU machine (one pool per GPU on a GPU machine).
  threads: undefined,
  // Beside the single runs, so one `report runs/*` compares them all.
  outDir: "runs",
  strategy: STRATEGY_DEFAULTS,
  // −MMD² to the mixture on toy data, −FID on images: neither depends on a member's own
  // discriminator (members compare fairly) and a generator smeared over the plane cannot game them.
  // Equal fitnesses keep the order the members were given in.
  fitness: { metric: "auto", tieBreak: undefined },
  // No wall-clock budget: a sweep is its generations.
  budget: undefined,
  // 2,500 samples: the toy metrics' size in VEEGAN and PacGAN (their tables are comparable).
  eval: { samples: 2500 },
  // Three checkpoints per member leave two to fall back on when the newest is damaged.
  checkpoints: { keep: 3 },
  // Two retries ride out a transient fault (a worker killed by the OS); a third failure is the member's.
  retries: 2,
} as const;

const POPULATION_DEFAULTS = {
  // Every member starts from the run defaults (src/config/run-config.ts).
  base: {},
  // Nothing searched: the members differ only in their own `set`.
  hyperparameters: {},
} as const;

// ---- Schema: population specs ---------------------------------------------------------------------

// A list is a value too: a choice between mutation sets (`trainer.mutations`) or layer widths.
const HyperScalar = Schema.Union([Finite, Schema.String, Schema.Boolean]).annotate({ expected: "a number, string or boolean" });
const HyperValueSchema = Schema.Union([Finite, Schema.String, Schema.Boolean, Schema.Array(HyperScalar).check(minItems(1))]).annotate({
  expected: "a number, string, boolean or a non-empty list of them",
});

const minNotAboveMax = Schema.makeFilter((s: { readonly min: number; readonly max: number }) => s.min <= s.max || { path: ["min"], issue: `must be ≤ max (got min ${s.min}, max ${s.max})` });

/** How one hyperparameter is drawn and mutated; told apart by `kind`, so an error names the field of the kind given. */
const HyperSpecSchema = Schema.Union([
  Schema.Struct(withDefaults({ kind: Schema.Literal("continuous"), min: Finite, max: Finite, log: Schema.UndefinedOr(Schema.Boolean) }, { log: undefined })).check(
    Schema.makeFilter((s: { readonly min: number; readonly log: boolean | undefined }) => !s.log || s.min > 0 || { path: ["min"], issue: `a log range needs min > 0 (got min ${s.min})` }),
    minNotAboveMax,
  ),
  Schema.Struct({ kind: Schema.Literal("integer"), min: Int, max: Int }).check(minNotAboveMax),
  Schema.Struct({ kind: Schema.Literal("choice"), values: Schema.Array(HyperValueSchema).check(minItems(1)) }),
]) satisfies Schema.Decoder<HyperSpec>;

const Member = Schema.Struct(
  withDefaults(
    {
      // Default: `m<index>`.
      id: Schema.UndefinedOr(nameSchema({ dots: false })),
      /** The member's own overrides (dot path → value), applied as --set is. */
      set: Schema.UndefinedOr(Schema.Record(Schema.String.annotate({ expected: DOT_PATH_TEXT }).check(Schema.isPattern(SET_PATH)), Schema.Unknown)),
    },
    // A member is the population's base as it is, named by its index.
    { id: undefined, set: undefined },
  ),
);

const MEMBER_FORMS = `a member count (an integer from 1 to ${MAX_MEMBERS}) or a non-empty array of at most ${MAX_MEMBERS} members ({ "id", "set" })`;
const notMembers = (value: unknown) => `expected ${MEMBER_FORMS}, got ${describe(value)}`;

/** A member's id: its own, or `m<index>`. */
function memberId(id: string | undefined, index: number): string {
  return id ?? `m${index}`;
}

/** A count, or a non-empty list of members whose ids (given or `m<index>`) are all different. */
const Members = Schema.Union([
  Schema.Number.check(Schema.makeFilter((n: number) => (Number.isSafeInteger(n) && n >= 1 && n <= MAX_MEMBERS) || notMembers(n))),
  Schema.Array(Member).check(
    Schema.makeFilter((members: readonly unknown[]) => (members.length > 0 && members.length <= MAX_MEMBERS) || notMembers(members)),
    Schema.makeFilter((members: ReadonlyArray<{ readonly id?: string | undefined }>) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < members.length; i++) {
        const given = members[i].id;
        const id = memberId(given, i);
        const first = seen.get(id);
        if (first !== undefined && given !== undefined) return { path: [i, "id"], issue: failureAt((at) => `duplicate member id ${JSON.stringify(id)} (${indexPath(at, first)} has it too)`) };
        if (first !== undefined) return { path: [i], issue: failureAt((at) => `its default id ${JSON.stringify(id)} is already ${indexPath(at, first)}'s; give this member an "id"`) };
        seen.set(id, i);
      }
      return undefined;
    }),
  ),
]).annotate({ expected: MEMBER_FORMS });

export const populationSchema = Schema.Struct(
  withDefaults(
    {
      /** A partial run config every member starts from. */
      base: Schema.Record(Schema.String, Schema.Unknown).annotate({ expected: "an object (a partial run config)" }),
      /** How many members, or each member's id and its own overrides (dot path → value). */
      members: Members,
      /** Dot path into the run config → how it is sampled at the start and mutated by PBT. */
      hyperparameters: Schema.Record(Schema.String.annotate({ expected: DOT_PATH_TEXT }).check(Schema.isPattern(DOT_PATH)), HyperSpecSchema),
    },
    POPULATION_DEFAULTS,
  ),
);

export type PopulationSpec = typeof populationSchema.Type;

// ---- Schema: sweep configs ------------------------------------------------------------------------

/** Two positive factors a perturbed number is multiplied by (one chosen uniformly). */
const PerturbFactors = Schema.Array(Finite.check(above(0)))
  .check(minItems(2), maxItems(2))
  .pipe(Schema.refine((f: readonly number[]): f is readonly [number, number] => f.length === 2));

/** The sweep's fields, in the order a config lists them, with `population` as given. */
const sweepFields = <P extends Schema.Top>(population: P) =>
  withDefaults(
    {
      name: nameSchema({ dots: true }),
      seed: Int.check(atLeast(0)),
      backend: Schema.Literals(BACKENDS),
      /** "auto" | "cpu" | "0,1,..." (GPU indices). */
      devices: Schema.String.check(matches(/^(auto|cpu|\d+(,\d+)*)$/, `be "auto", "cpu" or GPU indices such as "0,1"`)),
      /** Worker threads on a CPU machine (default: one per core); per GPU on a GPU machine. */
      threads: Schema.UndefinedOr(Int.check(atLeast(1), atMost(256))),
      outDir: OutDir,
      population,
      /** Which population strategy (strategies/index.ts) and PBT's options (random search ignores them). */
      strategy: Schema.Struct(
        withDefaults(
          { kind: Schema.Literals(POPULATION_STRATEGY_NAMES), quantile: Finite.check(atMost(0.5), above(0)), resampleProbability: Finite.check(atLeast(0), atMost(1)), perturbFactors: PerturbFactors },
          STRATEGY_DEFAULTS,
        ),
      ) satisfies Schema.Decoder<PbtOptions>,
      /**
       * What ranks members: an evaluation metric (higher is better after FID/TVD/rKL are negated);
       * "auto" is −MMD² to the mixture on toy data (the toy score can be gamed by smearing) and −FID on images. `tieBreak` orders equal fitnesses.
       */
      fitness: Schema.Struct(withDefaults({ metric: Schema.Literals(FITNESS_METRICS), tieBreak: Schema.UndefinedOr(Schema.Literals(FITNESS_METRICS)) }, SWEEP_DEFAULTS.fitness)),
      generations: Int.check(atLeast(1)),
      /**
       * A wall-clock budget (equal-compute comparisons): a generation that would end past it, judged
       * by the last generation's wall time, is not started. `generations` stays the upper bound.
       */
      budget: Schema.UndefinedOr(Schema.Struct({ seconds: Finite.check(above(0)) })),
      segment: Schema.Struct({ iterations: Int.check(atLeast(1)) }),
      eval: Schema.Struct(withDefaults({ samples: Int.check(atLeast(1)) }, SWEEP_DEFAULTS.eval)),
      checkpoints: Schema.Struct(withDefaults({ keep: Int.check(atLeast(1)) }, SWEEP_DEFAULTS.checkpoints)),
      /** Retries of a segment whose worker crashed, before the member is marked failed. */
      retries: Int.check(atLeast(0), atMost(10)),
    },
    SWEEP_DEFAULTS,
  );

const POPULATION_REF = "a population file (a path relative to the config) or a population object";

/** A sweep config file as written: its population is a path (relative to the config file) or the spec itself, read and checked next. */
const sweepFileSchema = Schema.Struct(
  sweepFields(
    Schema.Union([
      Schema.String.check(Schema.makeFilter((path: string) => path !== "" || `expected ${POPULATION_REF}, got ${describe(path)}`)),
      Schema.Record(Schema.String, Schema.Unknown),
    ]).annotate({ expected: POPULATION_REF }),
  ),
);

const SweepFields = Schema.Struct(sweepFields(populationSchema));

/**
 * The rules that involve the whole sweep: the strategies' own rules on the search space, then
 * every member resolved (see checkMembers), then the fitness metric against the members' data.
 */
function sweepProblem(sweep: typeof SweepFields.Type): Schema.FilterIssue | undefined {
  try {
    // The strategies' own rules on a space, in case they ever say more than the schema above.
    const problems = validateHyperSpace(sweep.population.hyperparameters);
    if (problems.length > 0) fail("population.hyperparameters", problems[0]);
    checkMembers(sweep);
    if (sweep.strategy.kind === "average") checkOneArchitecture(sweep);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return configFailure(e);
    throw e;
  }
}

/** A sweep config with its population inline, every member resolved. */
export const sweepSchema = SweepFields.check(Schema.makeFilter(sweepProblem));

export type SweepConfig = typeof sweepSchema.Type;

// ---- Decoding ----------------------------------------------------------------------------------

const decodeSweepFile = decodeConfig(sweepFileSchema);
const decodeSweep = decodeConfig(sweepSchema);

function fail(path: string, reason: string): never {
  throw new ConfigError(path, reason);
}

/**
 * Reads and validates a sweep config; a `population` path is read relative to the config file.
 * Every member's run config is resolved here, so a bad member fails before anything is written.
 */
export async function loadSweepConfig(file: string, sets: readonly string[] = []): Promise<SweepConfig> {
  const source = await readConfigSource(file);
  const raw = applyOverrides(source.value, sets);
  // A field's error names the line it is written on in a YAML file.
  const decoded = <T>(decode: () => T, population?: { readonly source: ConfigSource; readonly given: string; readonly path: string }): T => {
    try {
      return decode();
    } catch (e) {
      if (population === undefined || !(e instanceof ConfigError) || !e.path.startsWith("population")) throw locateConfigError(e, source, file, sets);
      // Name the file the population came from, as well as the field (and its line, in YAML).
      const at = locateConfigError(e, population.source, relative(process.cwd(), population.path) || population.path, [], ["population"]);
      throw at !== e ? at : new ConfigError(e.path, `${e.reason} (in ${JSON.stringify(population.given)})`);
    }
  };
  const given = decoded(() => decodeSweepFile(raw)).population;
  if (typeof given !== "string") return decoded(() => decodeSweep(raw));
  const path = isAbsolute(given) ? given : resolve(dirname(file), given);
  const population = await readConfigSource(path).catch((e: unknown) => {
    throw e instanceof ConfigError ? new ConfigError("population", e.reason) : e;
  });
  return decoded(() => decodeSweep({ ...(isPlainObject(raw) ? raw : {}), population: population.value }), { source: population, given, path });
}

/** Validates a sweep config whose population is given inline (a saved sweep-config.json). */
export function decodeSweepConfig(raw: unknown): SweepConfig {
  decodeSweepFile(raw);
  return decodeSweep(raw);
}

export interface MemberPlan {
  readonly id: string;
  /** The member's own overrides (not mutated by PBT). */
  readonly set: Readonly<Record<string, unknown>>;
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
  const raw = applyOverrides(p.base, sets);
  return decodeRunConfig({ ...(isPlainObject(raw) ? raw : {}), name: member.id, seed, backend });
}

/**
 * Resolves every member's run config now, so that a bad `base`, member `set` or hyperparameter
 * fails while the config is validated, before the sweep directory exists. Each hyperparameter is
 * tried at the values a strategy can give it (both ends of a range, a value inside it, every
 * choice), one at a time. Then the fitness metric must be defined on every member's data.
 */
function checkMembers(sweep: typeof SweepFields.Type): void {
  const p = sweep.population;
  const space = Object.entries(p.hyperparameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key] of space) {
    const reserved = SET_BY_SWEEP[key.split(".")[0]];
    if (reserved) fail(fieldPath("population.hyperparameters", key), `is set by ${reserved}, not searched`);
  }
  /** Each dataset a member trains on, and the first member on it. */
  const datasets = new Map<Dataset, string>();
  /** Each model family a member trains, and the first member with it. */
  const families = new Map<string, string>();
  const note = (c: RunConfig, id: string) => {
    // Without a known answer no fitness can rank a translation: every one of its metrics that a
    // sweep could select on (label preservation, translation error) is undefined.
    if (c.task.domainB !== undefined) fail(`members.${id}.task.domainB`, `translates to ${c.task.domainB}, which has no known answer, so no fitness ranks it; a CycleGAN sweep needs task.transform`);
    if (!datasets.has(c.task.dataset)) datasets.set(c.task.dataset, id);
    if (!families.has(c.model.family)) families.set(c.model.family, id);
  };
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
  checkFitness(sweep.fitness, datasets, families);
}

/**
 * Averaging members (strategies/average.ts) takes the mean of their weights, so every member must
 * have one architecture: the same model settings, none of them searched.
 */
function checkOneArchitecture(sweep: typeof SweepFields.Type): void {
  for (const key of Object.keys(sweep.population.hyperparameters)) {
    if (key.split(".")[0] === "model") fail(fieldPath("population.hyperparameters", key), `is a model setting: the average strategy takes the mean of the members' weights, so they cannot differ in architecture`);
  }
  const plans = memberPlans(sweep.population);
  const first = JSON.stringify(resolvePlain(sweep, plans[0], 0).model);
  plans.forEach((plan, i) => {
    if (i > 0 && JSON.stringify(resolvePlain(sweep, plan, i).model) !== first) {
      fail(`population.members[${i}].set`, `gives member ${plan.id} another model than member ${plans[0].id}'s: the average strategy takes the mean of the members' weights, so they need one architecture`);
    }
  });
}

/** A member with no hyperparameters applied; an error that the base alone has is the base's. */
function resolvePlain(sweep: typeof SweepFields.Type, plan: MemberPlan, index: number): RunConfig {
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
export function fitnessMetricsFor(data: MetricData): FitnessMetric[] {
  return FITNESS_METRICS.filter((m) => METRIC_DATA[m] === "any" || METRIC_DATA[m] === data);
}

/** A metric that is NaN on a member's data would rank every member last: refuse it. */
function checkFitness(fitness: SweepConfig["fitness"], datasets: ReadonlyMap<Dataset, string>, families: ReadonlyMap<string, string>): void {
  for (const field of ["metric", "tieBreak"] as const) {
    const metric = fitness[field];
    if (metric === undefined || METRIC_DATA[metric] === "any") continue;
    // Only a semi-supervised member's D is a classifier whose accuracy can be measured.
    const unmeasured = metric === "val-accuracy" ? [...families].find(([family]) => family !== "sgan" && family !== "augbigan") : undefined;
    if (unmeasured) throw new ConfigError(`fitness.${field}`, `"val-accuracy" is the accuracy of a semi-supervised member's classifier (sgan, augbigan), but member ${unmeasured[1]} is ${unmeasured[0]}, which has none`);
    // A CycleGAN member is measured on its translations only, and only a CycleGAN member on translations.
    const translation = METRIC_DATA[metric] === "translation";
    const mismatch = [...families].find(([family]) => (family === "cyclegan") !== translation);
    if (mismatch) {
      const [family, member] = mismatch;
      const why = translation ? `is measured on a CycleGAN's translations, but member ${member} is ${family}, which translates nothing` : `is not measured on translations, but member ${member} is a CycleGAN (it draws no images from z)`;
      const allowed = translation ? "" : `; rank CycleGAN members by one of ${fitnessMetricsFor("translation").map((m) => JSON.stringify(m)).join(", ")}`;
      throw new ConfigError(`fitness.${field}`, `${JSON.stringify(metric)} ${why}${allowed}`);
    }
    if (translation) continue;
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

