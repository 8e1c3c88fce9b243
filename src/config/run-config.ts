// The run config: its type, its schema, and (in DEFAULTS below) every default value.
// A config file only needs the fields it changes; `{}` is a complete grid25 E-GAN run.

import { resolve, sep } from "node:path";

import { ConfigError } from "../errors.ts";
import {
  ROOT,
  array,
  bool,
  describe,
  fail,
  int,
  isPlainObject,
  literal,
  map,
  num,
  optional,
  str,
  struct,
  tagged,
  type Schema,
} from "./schema.ts";

export const BACKENDS = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type Backend = (typeof BACKENDS)[number];

export const TOY_DATASETS = ["ring8", "grid25"] as const;
export const IMAGE_DATASETS = ["mnist", "fashion-mnist", "cifar10"] as const;
export const DATASETS = [...TOY_DATASETS, ...IMAGE_DATASETS] as const;
export type Dataset = (typeof DATASETS)[number];
export type ToyDatasetName = (typeof TOY_DATASETS)[number];
export const isToyDataset = (d: Dataset): d is ToyDatasetName => (TOY_DATASETS as readonly string[]).includes(d);

export const FAMILIES = ["mlp", "dcgan", "biggan", "bigbigan"] as const;
export type Family = (typeof FAMILIES)[number];

export const D_LOSSES = ["bce", "hinge"] as const;

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
  readonly task: TaskConfig;
  readonly model: ModelConfig;
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
    /** D's loss: cross-entropy ("bce", E-GAN, DCGAN) or hinge (BigGAN, BigBiGAN). */
    readonly dLoss: (typeof D_LOSSES)[number];
    /** β of the off-diagonal orthogonal regularization on G's weights (0: off). */
    readonly orthoReg: number;
    /** An exponential moving average of G (of the fittest survivor on the toys); sampling uses it. */
    readonly ema: { readonly decay: number; readonly start: number } | undefined;
    /** PacGAN packing for the toy D: it scores this many samples at once (1: off). */
    readonly pack: number;
    /** Instance noise on every point the toy D sees: std, annealed linearly to 0 at iteration `until`. */
    readonly instanceNoise: { readonly std: number; readonly until: number } | undefined;
  };
  /** At most `iterations`; with `seconds`, training also stops at the first segment after that much wall time (then evaluates). */
  readonly budget: { readonly iterations: number; readonly seconds: number | undefined };
  /** `grid`: images in the sample grid drawn from one fixed z at every evaluation (image families). */
  readonly eval: { readonly every: number; readonly samples: number; readonly grid: number };
}

export interface TaskConfig {
  readonly dataset: Dataset;
  /** Train on the first `limit` images of the (seeded, shuffled) training set; default all. */
  readonly limit?: number;
  /** Users' own files: an IDX pair (mnist, fashion-mnist) or CIFAR-10 binary batch files. */
  readonly imagesFile?: string;
  readonly labelsFile?: string;
  readonly files?: readonly string[];
}

export interface MlpModelConfig {
  readonly family: "mlp";
  readonly zDim: number;
  readonly gHidden: readonly number[];
  readonly dHidden: readonly number[];
}

export interface DcganModelConfig {
  readonly family: "dcgan";
  readonly zDim: number;
  /** Base channel width. */
  readonly width: number;
}

export interface BigganModelConfig {
  readonly family: "biggan";
  readonly zDim: number;
  readonly width: number;
  /** Class-conditional G (conditional BN) and D (projection head). */
  readonly conditional: boolean;
  readonly attention: boolean;
  /** Where attention runs in G and D: after the blocks whose output has this height (H/4, H/2 or H). */
  readonly attentionResolution: number;
  readonly sharedEmbedding: boolean;
  readonly embedDim: number;
  readonly skipZ: boolean;
  readonly spectralNorm: boolean;
}

export interface BigbiganModelConfig {
  readonly family: "bigbigan";
  readonly zDim: number;
  readonly width: number;
  readonly attention: boolean;
  readonly attentionResolution: number;
  readonly skipZ: boolean;
  readonly spectralNorm: boolean;
  /** Width of the H and J MLPs and of E's hidden layer. */
  readonly hidden: number;
  /** z = μ + ε·softplus(σ̂) (true) or z = μ (false). */
  readonly stochasticEncoder: boolean;
  /** The unary scores s_x and s_z in the losses (s_xz is always on). */
  readonly unaryX: boolean;
  readonly unaryZ: boolean;
  /** E's learning rate as a multiple of G's (paper: 10). */
  readonly encoderLrScale: number;
}

export type ImageModelConfig = DcganModelConfig | BigganModelConfig | BigbiganModelConfig;
export type ModelConfig = MlpModelConfig | ImageModelConfig;

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
    // The toy MLPs; the image families take their defaults from FAMILY_DEFAULTS below.
    family: "mlp",
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
    // The E-GAN paper's D loss.
    dLoss: "bce",
    // Off: the toy MLPs and DCGAN do not use it.
    orthoReg: 0,
    // Off: plain E-GAN samples from G itself; the shipped toy search turns it on.
    ema: undefined,
    // Off: the E-GAN paper's D scores one sample at a time.
    pack: 1,
    // Off: the E-GAN paper's D sees the data as it is.
    instanceNoise: undefined,
  },
  budget: {
    // Minutes on CPU for the toy mixtures; raise it for final numbers.
    iterations: 3000,
    // No wall-clock limit: a run is its iterations.
    seconds: undefined,
  },
  eval: {
    // Six evaluations over the default budget.
    every: 500,
    // 2500 samples per evaluation, the VEEGAN/PacGAN protocol.
    samples: 2500,
    // An 8×8 grid.
    grid: 64,
  },
};

const BIGGAN_ADAM: AdamConfig = {
  // BigGAN-PyTorch's CIFAR scripts use 2e-4 for both G and D (the paper's 5e-5 for G is for
  // ImageNet-scale runs far longer than a CPU budget).
  lr: 2e-4,
  // BigGAN: β = (0, 0.999).
  beta1: 0,
  beta2: 0.999,
  epsilon: 1e-8,
};

const BIGGAN_TRAINER = {
  // Plain BigGAN is the single hinge loss; E-GAN configs add the other mutations.
  mutations: ["hinge"],
  gamma: 0.05,
  // BigGAN: 2 D steps per G step, hinge D loss, orthogonal regularization β = 1e-4.
  nD: 2,
  dLoss: "hinge",
  orthoReg: 1e-4,
  batchSize: 32,
  evalBatchSize: 64,
  g: BIGGAN_ADAM,
  d: BIGGAN_ADAM,
  // BigGAN's EMA, with decay and start scaled to a CPU-length run (paper: 0.9999 from step 20k).
  ema: { decay: 0.999, start: 200 },
};

/**
 * Defaults of the image families, laid under a config before it is decoded (the config's own
 * values win). Sized so a member trains on one CPU core: 28×28 MNIST, widths 16.
 */
export const FAMILY_DEFAULTS: Readonly<Record<Exclude<Family, "mlp">, unknown>> = {
  dcgan: {
    task: { dataset: "mnist" },
    // Width 32: at width 16 a 2000-iteration MNIST run collapsed to a few shapes (FID 717 plain,
    // 389 E-GAN); at 32 the plain run drew varied digits (FID 129, IS 4.0, bench notes).
    model: { zDim: 32, width: 32 },
    trainer: {
      // The E-GAN paper's CIFAR settings: Adam 2e-4, β1 0.5, batch 32; γ in its 0.01–0.1 range.
      gamma: 0.05,
      batchSize: 32,
      evalBatchSize: 64,
      g: { lr: 2e-4 },
      d: { lr: 2e-4 },
    },
    budget: { iterations: 2000 },
    eval: { every: 250, samples: 1000 },
  },
  biggan: {
    task: { dataset: "mnist" },
    // Every BigGAN component on by default; the ablation population switches them off one by one.
    model: { zDim: 24, width: 16, conditional: true, attention: true, attentionResolution: 14, sharedEmbedding: true, embedDim: 16, skipZ: true, spectralNorm: true },
    trainer: BIGGAN_TRAINER,
    budget: { iterations: 1000 },
    eval: { every: 250, samples: 1000 },
  },
  bigbigan: {
    task: { dataset: "mnist" },
    model: { zDim: 24, width: 16, attention: false, attentionResolution: 14, skipZ: true, spectralNorm: true, hidden: 64, stochasticEncoder: true, unaryX: true, unaryZ: true, encoderLrScale: 10 },
    // BigGAN's trainer settings; its "hinge" mutation on the total fake score is exactly L_EG.
    trainer: BIGGAN_TRAINER,
    budget: { iterations: 1000 },
    eval: { every: 250, samples: 1000 },
  },
};

// ---- Schema ------------------------------------------------------------------------------------

/**
 * Run, sweep and member names become directory names. 100 characters leaves room under the
 * 255-byte file-name limit for the `-2`, `-3`… suffix the run store adds when the directory
 * exists (that suffix is not counted, so a saved config still decodes when it is resumed).
 */
export const NAME_MAX_LENGTH = 100;

/**
 * A name that is safe as one directory name: letters, digits, `_`, `-` and (`dots`, not first)
 * `.`, so no separators and no ".", ".." or hidden directories.
 */
export function nameSchema(o: { readonly dots: boolean }): Schema<string> {
  const pattern = o.dots ? /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/ : /^[A-Za-z0-9_-]+$/;
  const words = o.dots ? `letters, digits, "_", "-" and "." (not first)` : `letters, digits, "_" and "-"`;
  const chars = str({ pattern, patternText: `be a file-name-safe name of ${words}` });
  return {
    decode(value, path) {
      const name = chars.decode(value, path);
      const counted = name.replace(/-\d{1,6}$/, "").length;
      if (counted > NAME_MAX_LENGTH) fail(path, `must have at most ${NAME_MAX_LENGTH} characters (it becomes a directory name), got ${name.length}`);
      return name;
    },
  };
}

/** Pseudo file systems: a directory there cannot be made (creating one under /proc hangs). */
const PSEUDO_FILE_SYSTEMS = ["/proc", "/sys", "/dev"];

/** A file path (no NUL byte, which no file system accepts). */
export const filePath: Schema<string> = map(str({ minLength: 1 }), (value, path) => {
  if (value.includes("\0")) fail(path, `must not contain a NUL character, got ${describe(value)}`);
  return value;
});

/** The directory runs are written under: a real file system, not /proc, /sys or /dev. */
export const outDirSchema: Schema<string> = map(filePath, (value, path) => {
  const absolute = resolve(value);
  const under = PSEUDO_FILE_SYSTEMS.find((root) => absolute === root || absolute.startsWith(root + sep));
  if (under !== undefined) fail(path, `must not be under ${under} (a virtual file system; runs cannot be written there), got ${describe(value)}`);
  return value;
});

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
    mutations: array(literal(...MUTATIONS), { minLength: 1, maxLength: MUTATIONS.length, unique: true }),
    mu: int({ min: 1, max: 16 }),
    gamma: num({ min: 0 }),
    nD: int({ min: 1, max: 16 }),
    batchSize: int({ min: 1, max: 4096 }),
    evalBatchSize: int({ min: 1, max: 8192 }),
    implementation: literal(...IMPLEMENTATIONS),
    g: adamSchema,
    d: adamSchema,
    dLoss: literal(...D_LOSSES),
    orthoReg: num({ min: 0 }),
    ema: optional(struct({ decay: num({ min: 0, exclusiveMax: 1 }), start: int({ min: 0 }) })),
    pack: int({ min: 1, max: 16 }),
    instanceNoise: optional(struct({ std: num({ exclusiveMin: 0 }), until: int({ min: 1 }) })),
  },
  DEFAULTS.trainer,
);

const zDim = int({ min: 1, max: 512 });
const width = int({ min: 8, max: 512 });
const modelSchema: Schema<ModelConfig> = tagged<ModelConfig>("family", "mlp", {
  mlp: struct({ family: literal("mlp"), zDim: int({ min: 1, max: 64 }), gHidden: hiddenSchema, dHidden: hiddenSchema }, DEFAULTS.model as MlpModelConfig),
  dcgan: struct({ family: literal("dcgan"), zDim, width }),
  biggan: struct({
    family: literal("biggan"),
    zDim,
    width,
    conditional: bool(),
    attention: bool(),
    attentionResolution: int({ min: 1 }),
    sharedEmbedding: bool(),
    embedDim: int({ min: 1, max: 512 }),
    skipZ: bool(),
    spectralNorm: bool(),
  }),
  bigbigan: struct({
    family: literal("bigbigan"),
    zDim,
    width,
    attention: bool(),
    attentionResolution: int({ min: 1 }),
    skipZ: bool(),
    spectralNorm: bool(),
    hidden: int({ min: 1, max: 4096 }),
    stochasticEncoder: bool(),
    unaryX: bool(),
    unaryZ: bool(),
    encoderLrScale: num({ exclusiveMin: 0 }),
  }),
});

const taskSchema: Schema<TaskConfig> = struct(
  {
    dataset: literal(...DATASETS),
    limit: optional(int({ min: 1 })),
    imagesFile: optional(filePath),
    labelsFile: optional(filePath),
    files: optional(array(filePath, { minLength: 1 })),
  },
  DEFAULTS.task,
);

const fileSchema = struct(
  {
    // It becomes a directory name: no separators, and no leading dot (".", "..", hidden dirs).
    name: optional(nameSchema({ dots: true })),
    seed: int({ min: 0 }),
    backend: literal(...BACKENDS),
    outDir: outDirSchema,
    task: taskSchema,
    model: modelSchema,
    trainer: trainerSchema,
    budget: struct({ iterations: int({ min: 1 }), seconds: optional(num({ exclusiveMin: 0 })) }, DEFAULTS.budget),
    eval: struct({ every: int({ min: 1 }), samples: int({ min: 1 }), grid: int({ min: 1, max: 1024 }) }, DEFAULTS.eval),
  },
  DEFAULTS,
);

/** The checks that involve two fields: which data and trainer settings a model family can use. */
function checkFamily(c: Omit<RunConfig, "name">): void {
  const { family } = c.model;
  const toy = isToyDataset(c.task.dataset);
  if (family === "mlp" && !toy) throw new ConfigError("model.family", `the toy MLP trains on ring8 or grid25, not ${c.task.dataset}; use dcgan, biggan or bigbigan for images`);
  if (family !== "mlp" && toy) throw new ConfigError("task.dataset", `${family} trains on images (${IMAGE_DATASETS.join(", ")}), not ${c.task.dataset}`);
  if (family === "mlp") {
    if (c.trainer.dLoss !== "bce") throw new ConfigError("trainer.dLoss", "the toy trainer uses the cross-entropy D loss (bce)");
    if (c.trainer.orthoReg !== 0) throw new ConfigError("trainer.orthoReg", "orthogonal regularization is for the image families");
    const { pack, batchSize, evalBatchSize, mu } = c.trainer;
    if (batchSize % pack !== 0) throw new ConfigError("trainer.batchSize", `must be a multiple of trainer.pack (${pack})`);
    if (evalBatchSize % pack !== 0) throw new ConfigError("trainer.evalBatchSize", `must be a multiple of trainer.pack (${pack})`);
    if (Math.floor(batchSize / mu) % pack !== 0) throw new ConfigError("trainer.batchSize", `each of the μ = ${mu} survivors gives D ⌊batchSize/μ⌋ fakes a step, which must be a multiple of trainer.pack (${pack})`);
  } else if (c.trainer.pack !== 1) {
    throw new ConfigError("trainer.pack", "packing is for the toy D (model.family mlp)");
  } else if (c.trainer.instanceNoise) {
    throw new ConfigError("trainer.instanceNoise", "instance noise is for the toy D (model.family mlp)");
  } else if (c.trainer.implementation !== "fast") {
    throw new ConfigError("trainer.implementation", `the image families have one (autodiff) implementation; leave it "fast"`);
  }
  if (c.task.dataset === "cifar10") {
    throw new ConfigError("task.dataset", "cifar10 has no evaluation classifier in evogan yet, so its runs could not be evaluated; evogan reads the files (src/data/cifar10.ts) but trains on mnist or fashion-mnist");
  }
  const m = c.model;
  // Every dataset evogan trains on is 28×28: G's blocks output 14 and 28, D's 14 and 7.
  if ((m.family === "biggan" || m.family === "bigbigan") && m.attention && ![7, 14, 28].includes(m.attentionResolution)) {
    throw new ConfigError("model.attentionResolution", `no block of a 28×28 model works at ${m.attentionResolution}; choose 7 (D only), 14 (G and D) or 28 (G only)`);
  }
  if (family === "bigbigan" && c.trainer.mu !== 1) throw new ConfigError("trainer.mu", "BigBiGAN keeps one survivor (D's real pairs need one encoder)");
  if (family === "bigbigan" && c.trainer.mutations.includes("rsgan")) throw new ConfigError("trainer.mutations", "rsgan pairs fake images with real ones; BigBiGAN's scores are of (x, z) pairs, so it has no rsgan mutation");
  if (family === "bigbigan" && c.trainer.dLoss !== "hinge") throw new ConfigError("trainer.dLoss", "BigBiGAN's discriminator loss is the hinge");
  if (toy && (c.task.limit !== undefined || c.task.imagesFile || c.task.labelsFile || c.task.files)) {
    throw new ConfigError("task", "limit, imagesFile, labelsFile and files are for image datasets");
  }
}

export const runConfigSchema: Schema<RunConfig> = map(fileSchema, ({ name, ...rest }) => {
  checkFamily(rest);
  return { name: name ?? defaultRunName(rest.task.dataset), ...rest };
});

/** `over` laid on `under`: objects merge key by key, anything else in `over` wins. */
function layer(under: unknown, over: unknown): unknown {
  if (!isPlainObject(under) || !isPlainObject(over)) return over === undefined ? under : over;
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) out[k] = layer(under[k], v);
  return out;
}

export function decodeRunConfig(value: unknown): RunConfig {
  const family = isPlainObject(value) && isPlainObject(value.model) ? value.model.family : undefined;
  const defaults = typeof family === "string" && Object.hasOwn(FAMILY_DEFAULTS, family) ? FAMILY_DEFAULTS[family as Exclude<Family, "mlp">] : undefined;
  return runConfigSchema.decode(defaults ? layer(defaults, value) : value, ROOT);
}

/**
 * What `evogan run` trains without a config file: the best toy setting bench/equal-compute.ts
 * found on grid25 (bench/results/equal-compute.md). A config file inherits DEFAULTS above, the
 * E-GAN paper's settings, not these.
 */
export const EMBEDDED_RUN = {
  model: {
    // 3×256 instead of the paper's 3×512: a quarter of the matmul work per sample, and enough
    // for 25 sharp modes (25/25 at ≥ 90% high quality on the tuning seeds).
    gHidden: [256, 256, 256],
    dHidden: [256, 256, 256],
  },
  trainer: {
    // One loss: at equal wall time the single heuristic child reached the same quality as
    // E-GAN's three mutations in half the time per iteration (tuning seeds; the benchmark has both).
    mutations: ["heuristic"],
    // Larger batches steady D's view of 25 modes; with 5e-4 (the tuned baseline) the
    // run needs ~10,000 iterations.
    batchSize: 256,
    g: { lr: 5e-4 },
    d: { lr: 5e-4 },
    // Sampling from an EMA of G: high-quality samples rose from ~85% to 92–96% (tuning seeds).
    ema: { decay: 0.999, start: 1000 },
    // Annealed instance noise: without it the same run kept 20/25 modes (rKL ~0.25); with
    // s = 0.1 falling to 0 by iteration 6,000, 25/25 on every tuning seed (0.05 was too little).
    instanceNoise: { std: 0.1, until: 6000 },
  },
  budget: {
    // The noise is gone by 6,000; the rest sharpens the modes (≈ 2.5 minutes on one core here).
    iterations: 10000,
  },
  eval: {
    // Ten evaluations over the run.
    every: 1000,
  },
} as const;

/** The embedded default config (EMBEDDED_RUN decoded); a fresh copy on every call. */
export function defaultRunConfig(): RunConfig {
  return decodeRunConfig(EMBEDDED_RUN);
}
