// The run config: its type, its schema, and (in DEFAULTS below) every default value.
// A config file only needs the fields it changes; `{}` is a complete grid25 E-GAN run.

import {
  ROOT,
  array,
  int,
  literal,
  map,
  num,
  optional,
  str,
  struct,
  type Schema,
} from "./schema.ts";

export const BACKENDS = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type Backend = (typeof BACKENDS)[number];

export const DATASETS = ["ring8", "grid25"] as const;
export type Dataset = (typeof DATASETS)[number];

// The mutation list lives with the E-GAN strategy (strategies/ is the single registry).
import { MUTATIONS, type Mutation } from "../../strategies/egan.ts";
export { MUTATIONS, type Mutation };

export const IMPLEMENTATIONS = ["fast", "reference"] as const;
/** "reference" is the straightforward autodiff path, kept to check "fast" against. */
export type Implementation = (typeof IMPLEMENTATIONS)[number];

export interface AdamConfig {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export interface RunConfig {
  /** Becomes the run's directory name: `<outDir>/<name>/`. */
  readonly name: string;
  readonly seed: number;
  readonly backend: Backend;
  readonly outDir: string;
  readonly task: { readonly dataset: Dataset };
  readonly model: {
    readonly zDim: number;
    readonly gHidden: readonly number[];
    readonly dHidden: readonly number[];
  };
  readonly trainer: {
    readonly kind: "egan";
    readonly mutations: readonly Mutation[];
    /** Survivors kept per iteration; each makes one child per mutation. */
    readonly mu: number;
    /** Fitness F = Fq + γ·Fd. */
    readonly gamma: number;
    /** D steps per iteration. */
    readonly nD: number;
    readonly batchSize: number;
    /** Batch on which children's fitness is measured. */
    readonly evalBatchSize: number;
    readonly implementation: Implementation;
    readonly g: AdamConfig;
    readonly d: AdamConfig;
  };
  readonly budget: { readonly iterations: number };
  readonly eval: { readonly every: number; readonly samples: number };
}

// ---- Every default, in one place --------------------------------------------------------------

/** The default run name; it depends on the dataset, so it is filled in after decoding. */
export function defaultRunName(dataset: Dataset): string {
  return `egan-${dataset}`;
}

const ADAM_DEFAULTS: AdamConfig = {
  // Small enough that the 512-wide toy MLPs train without the adversarial game blowing up.
  lr: 1e-4,
  // 0.5, not Adam's 0.9: less momentum damps GAN oscillation (the DCGAN setting).
  beta1: 0.5,
  // Adam's own default.
  beta2: 0.999,
  // Adam's own default.
  epsilon: 1e-8,
};

const DEFAULTS: Omit<RunConfig, "name"> = {
  // Any fixed seed makes a run repeatable; 1 is arbitrary.
  seed: 1,
  // Picks the fastest backend that loads on this machine.
  backend: "auto",
  // Runs land in ./runs/<name>/, which .gitignore already excludes.
  outDir: "runs",
  task: {
    // 25 modes: the harder of the two toy mixtures, where mode dropping shows.
    dataset: "grid25",
  },
  model: {
    // 2, after the reference toy code: latent as wide as the 2-D data.
    zDim: 2,
    // Three 512-unit hidden layers, after the reference toy code.
    gHidden: [512, 512, 512],
    // Same as G, so neither side wins by capacity alone.
    dHidden: [512, 512, 512],
  },
  trainer: {
    // The only trainer so far.
    kind: "egan",
    // The three mutations of the E-GAN paper; hinge is an opt-in extra.
    mutations: ["minimax", "heuristic", "least-squares"],
    // One survivor per iteration, as in the E-GAN paper's experiments.
    mu: 1,
    // The reference toy code scores Fq − 1·log‖∇‖², i.e. γ = 2 on Fd = −log‖∇‖.
    gamma: 2,
    // One D step per generation keeps the per-iteration cost at one D update.
    nD: 1,
    // Cheap enough per step on CPU, large enough for a stable D gradient on 2-D data.
    batchSize: 64,
    // Larger than a training batch so fitness noise stays below the gaps between children.
    evalBatchSize: 256,
    // The fast path; "reference" is only for checking it.
    implementation: "fast",
    // G and D share Adam settings; each gets its own optimizer state.
    g: ADAM_DEFAULTS,
    d: ADAM_DEFAULTS,
  },
  budget: {
    // Minutes on CPU for the toy mixtures; raise it for final numbers.
    iterations: 3000,
  },
  eval: {
    // Six evaluations over the default budget.
    every: 500,
    // 2500 samples per evaluation, the VEEGAN/PacGAN protocol.
    samples: 2500,
  },
};

// ---- Schema ------------------------------------------------------------------------------------

const adamSchema = struct(
  {
    lr: num({ exclusiveMin: 0 }),
    beta1: num({ min: 0, exclusiveMax: 1 }),
    beta2: num({ min: 0, exclusiveMax: 1 }),
    epsilon: num({ exclusiveMin: 0 }),
  },
  ADAM_DEFAULTS,
);

const hiddenSchema = array(int({ min: 1, max: 4096 }), { minLength: 1, maxLength: 8 });

const trainerSchema = struct(
  {
    kind: literal("egan"),
    mutations: array(literal(...MUTATIONS), { minLength: 1, maxLength: 4, unique: true }),
    mu: int({ min: 1, max: 16 }),
    gamma: num({ min: 0 }),
    nD: int({ min: 1, max: 16 }),
    batchSize: int({ min: 1, max: 4096 }),
    evalBatchSize: int({ min: 1, max: 8192 }),
    implementation: literal(...IMPLEMENTATIONS),
    g: adamSchema,
    d: adamSchema,
  },
  DEFAULTS.trainer,
);

const fileSchema = struct(
  {
    // It becomes a directory name: no separators, and no leading dot (".", "..", hidden dirs).
    name: optional(str({ pattern: /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/ })),
    seed: int({ min: 0 }),
    backend: literal(...BACKENDS),
    outDir: str({ minLength: 1 }),
    task: struct({ dataset: literal(...DATASETS) }, DEFAULTS.task),
    model: struct(
      { zDim: int({ min: 1, max: 64 }), gHidden: hiddenSchema, dHidden: hiddenSchema },
      DEFAULTS.model,
    ),
    trainer: trainerSchema,
    budget: struct({ iterations: int({ min: 1 }) }, DEFAULTS.budget),
    eval: struct({ every: int({ min: 1 }), samples: int({ min: 1 }) }, DEFAULTS.eval),
  },
  DEFAULTS,
);

// No cross-field checks: every combination the fields allow is a valid (if odd) run.
export const runConfigSchema: Schema<RunConfig> = map(fileSchema, ({ name, ...rest }) => ({
  name: name ?? defaultRunName(rest.task.dataset),
  ...rest,
}));

export function decodeRunConfig(value: unknown): RunConfig {
  return runConfigSchema.decode(value, ROOT);
}

/** The embedded default config (the decode of `{}`); a fresh copy on every call. */
export function defaultRunConfig(): RunConfig {
  return decodeRunConfig({});
}
