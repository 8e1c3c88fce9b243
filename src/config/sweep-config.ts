// Sweep configs (configs/*.json with a "population") and population specs (populations/*.json):
// what a population-based sweep starts with, how each member may mutate, and its budget.
// Every member is a full run config: the population's `base`, then the member's own `set`,
// then its sampled hyperparameters, decoded by the run-config schema (errors name the member).
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { applyOverrides } from "./overrides.ts";
import { decodeRunConfig, BACKENDS, type Backend, type RunConfig } from "./run-config.ts";
import { ConfigError, ROOT, array, bool, int, json, literal, num, oneOf, optional, record, str, struct, type Schema } from "./schema.ts";
import { readConfigFile } from "./load-config.ts";
import { FITNESS_METRICS, type FitnessMetric } from "../metrics/member-fitness.ts";

// The search-space vocabulary is the strategies' (strategies/random-search.ts); the schema below decodes it.
import type { HyperScalar, HyperSpec, HyperValue } from "../../strategies/random-search.ts";
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
  readonly strategy: { readonly kind: "pbt" | "random-search"; readonly quantile: number; readonly resampleProbability: number };
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

const hyperScalar: Schema<HyperScalar> = oneOf<HyperScalar>(num(), str(), bool());
// A list is a value too: a choice between mutation sets (`trainer.mutations`) or layer widths.
const hyperValue: Schema<HyperValue> = oneOf<HyperValue>(hyperScalar, array(hyperScalar, { minLength: 1 }));
const hyperSpec: Schema<HyperSpec> = oneOf<HyperSpec>(
  struct({ kind: literal("continuous"), min: num(), max: num(), log: optional(bool()) }),
  struct({ kind: literal("integer"), min: int(), max: int() }),
  struct({ kind: literal("choice"), values: array(hyperValue, { minLength: 1 }) }),
);

const populationSchema: Schema<PopulationSpec> = struct({
  base: json(),
  members: oneOf<PopulationSpec["members"]>(
    int({ min: 1, max: 256 }),
    array(struct({ id: optional(str({ pattern: /^[A-Za-z0-9_-]+$/ })), set: optional(record(json())) }), { minLength: 1, maxLength: 256 }),
  ),
  hyperparameters: record(hyperSpec, { keyPattern: /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/ }),
}, { base: {}, hyperparameters: {} });

// Ray Tune's PopulationBasedTraining defaults.
const STRATEGY_DEFAULTS = { kind: "pbt", quantile: 0.25, resampleProbability: 0.25 } as const;

const sweepFileSchema = struct(
  {
    name: str({ pattern: /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/ }),
    seed: int({ min: 0 }),
    backend: literal(...BACKENDS),
    devices: str({ pattern: /^(auto|cpu|\d+(,\d+)*)$/ }),
    threads: optional(int({ min: 1, max: 256 })),
    outDir: str({ minLength: 1 }),
    // A path (relative to the config file) or the spec itself.
    population: json(),
    strategy: struct(
      { kind: literal("pbt", "random-search"), quantile: num({ exclusiveMin: 0, max: 0.5 }), resampleProbability: num({ min: 0, max: 1 }) },
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
  // A crashed segment is retried twice (transient faults) before the member is marked failed;
  // three checkpoints per member leave two to fall back on when the newest is corrupt.
  { seed: 1, backend: "auto", devices: "auto", outDir: "runs", retries: 2, strategy: STRATEGY_DEFAULTS, fitness: { metric: "auto", tieBreak: undefined }, eval: { samples: 2500 }, checkpoints: { keep: 3 } },
);

/** Reads and validates a sweep config; a `population` path is read relative to the config file. */
export async function loadSweepConfig(file: string, sets: readonly string[] = []): Promise<SweepConfig> {
  const raw = applyOverrides(await readConfigFile(file), sets);
  const decoded = sweepFileSchema.decode(raw, ROOT);
  let population: unknown = decoded.population;
  if (typeof population === "string") {
    const path = isAbsolute(population) ? population : resolve(dirname(file), population);
    population = await readConfigFile(path).catch((e: unknown) => {
      throw e instanceof ConfigError ? new ConfigError("population", e.reason) : e;
    });
  }
  return { ...decoded, population: populationSchema.decode(population, "population") };
}

export function decodeSweepConfig(raw: unknown): SweepConfig {
  const decoded = sweepFileSchema.decode(raw, ROOT);
  return { ...decoded, population: populationSchema.decode(decoded.population, "population") };
}

export interface MemberPlan {
  readonly id: string;
  /** The member's own overrides (not mutated by PBT). */
  readonly set: Readonly<Record<string, unknown>>;
}

export function memberPlans(p: PopulationSpec): MemberPlan[] {
  if (typeof p.members === "number") return Array.from({ length: p.members }, (_, i) => ({ id: `m${i}`, set: {} }));
  return p.members.map((m, i) => ({ id: m.id ?? `m${i}`, set: m.set ?? {} }));
}

/** The run config of one member with the given hyperparameter values; errors name the member. */
export function memberRunConfig(p: PopulationSpec, member: MemberPlan, index: number, hypers: Readonly<Record<string, HyperValue>>, sweep: SweepConfig, seed: number): RunConfig {
  const sets = [...Object.entries(member.set), ...Object.entries(hypers)].map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  try {
    const raw = applyOverrides(p.base, sets) as Record<string, unknown>;
    return decodeRunConfig({ ...raw, name: member.id, seed, backend: sweep.backend });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`population.members[${index}] (${member.id}) ${e.path}`, e.reason);
    throw e;
  }
}

/** Reads a value at a dot path of a run config (for a hyperparameter's starting value). */
export function valueAt(config: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), config);
}

