// The run config: its schema (the one place its shape is written; every type below is derived
// from it), its cross-field rules (refinements of the schema, so a config that breaks one never
// decodes), and, in DEFAULTS below, every default value with its reason.
// A config file only needs the fields it changes; `{}` is a complete grid25 E-GAN run.

import { resolve, sep } from "node:path";

import * as Schema from "effect/Schema";

import { SEMI_SPLIT_DEFAULTS } from "../data/semi-split.ts";
import { DOMAIN_TRANSFORMS, OTHER_DOMAINS } from "../data/unpaired-domains.ts";
import { CYCLEGAN_MODEL_DEFAULTS, CYCLEGAN_TRAINER_DEFAULTS } from "../models/image/cyclegan-defaults.ts";
import { SGAN_D_DEFAULTS } from "../models/image/sgan-defaults.ts";
import { above, atLeast, atMost, below, decodeConfig, describe, Finite, Int, isPlainObject, matches, maxItems, minChars, minItems, uniqueItems, withDefaults } from "./config-schema.ts";

export const BACKENDS = ["auto", "tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export type Backend = (typeof BACKENDS)[number];

export const TOY_DATASETS = ["ring8", "grid25"] as const;
export const IMAGE_DATASETS = ["mnist", "fashion-mnist", "cifar10"] as const;
export const DATASETS = [...TOY_DATASETS, ...IMAGE_DATASETS] as const;
export type Dataset = (typeof DATASETS)[number];
export type ToyDatasetName = (typeof TOY_DATASETS)[number];
export const isToyDataset = (d: Dataset): d is ToyDatasetName => (TOY_DATASETS as readonly string[]).includes(d);

export const FAMILIES = ["mlp", "dcgan", "biggan", "bigbigan", "sgan", "augbigan", "pggan", "cyclegan"] as const;
export type Family = (typeof FAMILIES)[number];

/** The semi-supervised families: D is a classifier, trained on a labelled subset (src/data/semi-split.ts). */
export const isSemiFamily = (f: Family): f is "sgan" | "augbigan" => f === "sgan" || f === "augbigan";

/**
 * D's losses: cross-entropy on D's logit (E-GAN, DCGAN), the hinge on its raw score (BigGAN),
 * WGAN-GP on a critic's raw score (PGGAN: src/losses/gradient-penalty.ts, λ = 10, drift 0.001),
 * and least squares on PatchGAN outputs (CycleGAN only: src/losses/cycle-losses.ts).
 */
export const D_LOSSES = ["bce", "hinge", "wgan-gp", "least-squares"] as const;
export type DLossKind = (typeof D_LOSSES)[number];

// The mutation list lives with the E-GAN strategy (strategies/ is the single registry).
import { G_LOSSES, MUTATIONS, SELECTIONS, type GLoss, type Mutation } from "../../strategies/egan.ts";
export { G_LOSSES, MUTATIONS, type GLoss, type Mutation };

/** Augmented BiGAN's third-pair term for G and E (src/losses/augbigan-losses.ts). */
export const THIRD_PAIR_LOSSES = ["adversarial", "features"] as const;
export type ThirdPairLoss = (typeof THIRD_PAIR_LOSSES)[number];

/** "reference" is the straightforward autodiff path, kept to check "fast" against. */
export const IMPLEMENTATIONS = ["fast", "reference"] as const;
export type Implementation = (typeof IMPLEMENTATIONS)[number];

// ---- Every default, in one place --------------------------------------------------------------

/** The default run name; it depends on the dataset, so it is filled in after decoding. */
export function defaultRunName(dataset: Dataset): string {
  return `egan-${dataset}`;
}

const ADAM_DEFAULTS = {
  // Small enough that the 512-wide toy MLPs train without the adversarial game blowing up.
  lr: 1e-4,
  // 0.5, not Adam's 0.9: less momentum damps GAN oscillation (the DCGAN setting).
  beta1: 0.5,
  // Adam's own default.
  beta2: 0.999,
  // Adam's own default.
  epsilon: 1e-8,
  // Off: a constant learning rate, as in the E-GAN and DCGAN papers. Set, the rate halves every
  // this many steps of this optimizer (lr·2^(−(t−1)/h)). Measured on the MNIST DCGAN at 30 minutes
  // (README, equal compute): a half-life of 15k freezes a run where it is, better on two seeds of
  // three, much worse on the third (mean FID 35.5 against 37.5, twice the spread), so not a default.
  lrHalfLife: undefined,
} as const;

/** Every field but `name` (filled in after decoding, from the dataset). */
const DEFAULTS = {
  // Any fixed seed makes a run repeatable; 1 is arbitrary.
  seed: 1,
  // Picks the fastest backend that loads on this machine.
  backend: "auto",
  // Runs land in ./runs/<name>/, which .gitignore already excludes.
  outDir: "runs",
  task: {
    // 25 modes: the harder of the two toy mixtures, where mode dropping shows.
    dataset: "grid25",
    // The whole training set.
    limit: undefined,
    // The dataset's own files (src/data/), not the user's.
    imagesFile: undefined,
    labelsFile: undefined,
    files: undefined,
    // The semi-supervised split (sgan only; its defaults are in FAMILY_DEFAULTS.sgan).
    labelled: undefined,
    validation: undefined,
    labelSeed: undefined,
    // The translation task (cyclegan only; its defaults are in FAMILY_DEFAULTS.cyclegan).
    transform: undefined,
    domainB: undefined,
    splitSeed: undefined,
  },
  model: {
    // A model without a family is the toy MLP; the image families take their defaults from
    // FAMILY_DEFAULTS below.
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
    // Every iteration, as in the E-GAN paper; k > 1 makes E-GAN's overhead over a plain run ~1/k.
    evolveEvery: 1,
    // F = Fq + γ·Fd, as in the E-GAN paper; "pareto" ranks on the front of (Fq, Fd) without γ.
    selection: "sum",
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
    // CycleGAN's cycle and identity weights (cyclegan only; FAMILY_DEFAULTS.cyclegan sets them).
    lambda: undefined,
    identity: undefined,
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
} as const;

const BIGGAN_ADAM = {
  // BigGAN-PyTorch's CIFAR scripts use 2e-4 for both G and D (the paper's 5e-5 for G is for
  // ImageNet-scale runs far longer than a CPU budget).
  lr: 2e-4,
  // BigGAN: β = (0, 0.999).
  beta1: 0,
  beta2: 0.999,
  epsilon: 1e-8,
} as const;

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
 * The semi-supervised families' shared defaults (sgan; augbigan adds its encoder and third pair):
 * task, trainer, budget and evaluation.
 */
const SEMI_DEFAULTS = {
  task: {
    dataset: "mnist",
    // The standard benchmark: 100 labels (Salimans et al. 2016, Table 1; Odena 2016), 10 a class.
    labelled: SEMI_SPLIT_DEFAULTS.labelled,
    // 1000 labelled validation images, 100 a class: src/data/semi-split.ts says why.
    validation: SEMI_SPLIT_DEFAULTS.validation,
    // The label choice's own seed, so that seeds of training and of the label choice vary apart.
    labelSeed: 1,
  },
  trainer: {
    // Feature matching: Salimans et al.'s G loss for semi-supervised learning (their best MNIST figures).
    mutations: ["feature-matching"],
    gamma: 0.05,
    // Salimans et al.'s batch of 100 (labelled, unlabelled and generated alike).
    batchSize: 100,
    evalBatchSize: 100,
    // Their β1 = 0.5. Their lr 3e-3 (for their weight-normalised D) lost here: D at 3e-3 reached
    // 76.2% validation accuracy at 1,100 iterations on label seed 1 (tuning only), 1e-3 87.0%
    // (bench/results/equal-compute.md).
    g: { lr: 1e-3 },
    d: { lr: 1e-3 },
  },
  budget: { iterations: 3000 },
  eval: { every: 500, samples: 1000 },
} as const;

/**
 * The semi-supervised families' model defaults: G is DCGAN's at width 32 (its MNIST default); D is
 * Salimans et al.'s MNIST MLP (mlp-classifier.ts). unlabelledWeight ½: Salimans et al.'s code
 * halves both unsupervised terms. Weight norm on: their D has it, and on label seed 1 (tuning
 * only) it raised SGAN's validation accuracy at 500 and 1000 iterations from 77.7% / 82.3% to
 * 79.3% / 84.4%.
 */
const SEMI_MODEL_DEFAULTS = { zDim: 32, width: 32, ...SGAN_D_DEFAULTS, unlabelledWeight: 0.5, weightNorm: true } as const;

const PGGAN_ADAM = { lr: 1e-3, beta1: 0, beta2: 0.99, epsilon: 1e-8 } as const;

/** Growth steps of a 28×28 PGGAN: 7 → 14 → 28 (28 = 7·2², and 7×7 is DCGAN's base too). */
const PGGAN_GROWTH_STEPS = 2;
/**
 * PGGAN's growth schedule on MNIST, 7 → 14 → 28 (src/models/image/growth-schedule.ts): hold[k]
 * iterations at stage k, fade[k] iterations for stage k + 1 to fade in. Every phase equally long,
 * as in the paper (600k images each), here 1000 iterations: fully grown at iteration 4000. An
 * iteration at 7×7 costs about a third of one at 28×28, one at 14×14 about 70% and a fade about
 * 15% more than its stage (width 24, measured), so the phases before the last stage take under
 * 20% of the default budget's wall time and the last stage (its fade and the rest of the run) over
 * 80%: the largest share, and the one FID measures. Shorter early phases would grow before 7×7 and
 * 14×14 are learnt; the PBT sweep (configs/sweep-pbt-pggan-mnist.json) searches them.
 */
const GROWTH_DEFAULTS = { hold: [1000, 1000], fade: [1000, 1000] } as const;
/**
 * 12,000 iterations: fully grown by 4000, then 8000 at 28×28; 15–25 minutes on 2 quiet cores
 * (the stage speeds measured against DCGAN on a loaded machine, scaled by DCGAN's quiet speed),
 * inside the 30 minutes of the issue's PGGAN-vs-DCGAN comparison, which sets budget.seconds.
 */
const PGGAN_ITERATIONS = 12000;

/**
 * Defaults of the image families, laid under a config before it is decoded (the config's own
 * values win). Sized so a member trains on one CPU core: 28×28 MNIST, widths 16.
 */
export const FAMILY_DEFAULTS: Readonly<Record<Exclude<Family, "mlp">, unknown>> = {
  dcgan: {
    task: { dataset: "mnist" },
    // Width 32: at width 16 a 2000-iteration MNIST run collapsed to a few shapes (FID 717 plain,
    // 389 E-GAN); at 32 the plain run drew varied digits (FID 129, IS 4.0, bench notes).
    // D as in the paper: neither spectral norm nor a minibatch-stddev channel.
    model: { zDim: 32, width: 32, spectralNorm: false, minibatchStd: false },
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
  sgan: {
    ...SEMI_DEFAULTS,
    model: {
      ...SEMI_MODEL_DEFAULTS,
      generator: "dcgan",
      // The classifier measured is an EMA of D's weights (Polyak averaging, as Salimans et al.'s
      // CIFAR-10 code tests with). On label seed 1 (tuning only), decay 0.995 from iteration 500
      // was ahead of D itself by 0.4–1.1 points of validation accuracy at 3,000–4,500 iterations;
      // 0.999 lagged D by 2 points at 3,000 (it averages over too many of D's early steps).
      classifierEma: { decay: 0.995, start: 500 },
    },
  },
  // Augmented BiGAN (Kumar et al. 2017): SGAN's task, D body, G and trainer settings, so that the
  // two semi-supervised families differ only in what augmented BiGAN adds.
  augbigan: {
    ...SEMI_DEFAULTS,
    model: {
      ...SEMI_MODEL_DEFAULTS,
      // E: two hidden layers of 500, the widths of Salimans et al.'s MNIST G mirrored (a matrix
      // product per layer, cheap beside D's 1.5M weights).
      eHidden: [500, 500],
      // The third pair is what the family adds to a BiGAN (on); the invariance penalty costs two
      // more D passes and a G pass per D step, so it is a switch (off).
      thirdPair: true,
      // G's and E's side of the third pair: D's features matched pair by pair, at weight 0.1. On
      // label seed 1 (tuning, 1,500 iterations, bench/results/run-seeds.md) the adversarial −log D
      // term lowered the reconstruction error 12% against no third pair, the feature term 32% at
      // weight 1 and 42% at 0.1 (weight 1 also cost 89 FID points, 0.1 cost 26).
      thirdPairLoss: "features",
      thirdPairWeight: 0.1,
      encoderLrScale: 1,
      invariance: 0,
    },
  },
  pggan: {
    task: { dataset: "mnist" },
    // zDim 32 as DCGAN's. Width 24 (channels 48 → 24 → 12 at 7 → 14 → 28, pggan.ts): 161k
    // parameters, DCGAN's default (width 32) has 174k, the issue's "similar parameter count"; at
    // width 32 PGGAN has 251k. GROWTH_DEFAULTS says why the schedule is what it is.
    model: { zDim: 32, width: 24, growth: GROWTH_DEFAULTS },
    trainer: {
      // −E[D(G(z))], WGAN's generator loss, is E-GAN's "hinge" mutation (the hinge is only in D's
      // loss); E-GAN configs may add the other mutations, which read the critic's raw score as a logit.
      mutations: ["hinge"],
      gamma: 0.05,
      // The paper's critic loss and its one D step per G step (Karras et al. 2018, Appendix A.1).
      dLoss: "wgan-gp",
      nD: 1,
      // The paper's minibatch of 16 at every resolution up to 128² (a multiple of the minibatch-stddev group of 4).
      batchSize: 16,
      evalBatchSize: 64,
      // The paper's Adam: α = 0.001, β1 = 0, β2 = 0.99, ε = 10⁻⁸ (the equalized learning rate makes
      // one α right for every layer).
      g: PGGAN_ADAM,
      d: PGGAN_ADAM,
      // Off here, on in configs/pggan-mnist.json and the PBT population, which were measured with
      // it (FID 34.7 against the plain DCGAN's 37.5 at 30 minutes, README); PGGAN without it was
      // not measured. Whatever its start, the trainer averages only from the end of the member's
      // own last fade (pggan-trainer.ts): an average of decay 0.999 would hold the previous
      // stage's weights through most of a 1000-iteration fade.
      ema: undefined,
    },
    budget: { iterations: PGGAN_ITERATIONS },
    // Twelve evaluations: a few in each of the early stages; FID at n = 1000 as in the issue's bar.
    eval: { every: 1000, samples: 1000 },
  },
  // CycleGAN (Zhu et al. 2017) on a translation with a known answer (src/data/unpaired-domains.ts).
  // The model and trainer values, with their measured reasons, are in
  // src/models/image/cyclegan-defaults.ts (no tfjs there), which the model and trainer read too.
  cyclegan: {
    task: {
      dataset: "mnist",
      // Inverted intensities: the transform the issue's bar is set on (≥ 95% labels kept, error ≤ 0.1).
      transform: "invert",
      // 1000 training images held out of both domains rank a sweep's members (a step of 0.1% in
      // label preservation), so the test set is never selected on; as sgan's validation.
      validation: 1000,
      // The split's own seed, apart from the run's: every member of a sweep (each with its own
      // seed) trains on the same halves and is ranked on the same validation images.
      splitSeed: 1,
    },
    model: CYCLEGAN_MODEL_DEFAULTS,
    trainer: {
      // The paper's least-squares generator loss, alone: a plain run. E-GAN's three mutations cost
      // three steps of G and F an iteration and reached less in the same 2 minutes (labels kept
      // 89% against 96%, bench/results/cyclegan-mnist.jsonl); a config may still list them.
      mutations: ["least-squares"],
      // With several mutations, Fd only breaks near-ties of Fq (bench/cyclegan-mnist.ts).
      gamma: 0.05,
      dLoss: CYCLEGAN_TRAINER_DEFAULTS.dLoss,
      lambda: CYCLEGAN_TRAINER_DEFAULTS.lambda,
      identity: CYCLEGAN_TRAINER_DEFAULTS.identity,
      batchSize: CYCLEGAN_TRAINER_DEFAULTS.batchSize,
      evalBatchSize: CYCLEGAN_TRAINER_DEFAULTS.evalBatchSize,
      g: CYCLEGAN_TRAINER_DEFAULTS.adam,
      d: CYCLEGAN_TRAINER_DEFAULTS.adam,
    },
    // 3000 iterations: 5 minutes of training on one core of this 2-core machine. Measured with
    // this config on seeds 2–4 (bench/results/run-seeds.md): 98.2% labels kept, translation error
    // 0.027, against the issue's bar of ≥ 95% and ≤ 0.1; seed 1 (loaded) had passed the bar by
    // iteration 500 (96.5%, 0.050), the error flat at about 0.022 from 1500.
    budget: { iterations: 3000 },
    // 1000 test pairs per evaluation (3 s here with FID, and about as much for the validation pairs);
    // the grid shows 32 test images, each beside its translation.
    eval: { every: 500, samples: 1000, grid: 32 },
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
export function nameSchema(o: { readonly dots: boolean }) {
  const pattern = o.dots ? /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/ : /^[A-Za-z0-9_-]+$/;
  const words = o.dots ? `letters, digits, "_", "-" and "." (not first)` : `letters, digits, "_" and "-"`;
  return Schema.String.check(
    matches(pattern, `be a file-name-safe name of ${words}`),
    Schema.makeFilter((name: string) => name.replace(/-\d{1,6}$/, "").length <= NAME_MAX_LENGTH || `must have at most ${NAME_MAX_LENGTH} characters (it becomes a directory name), got ${name.length}`),
  );
}

/** Pseudo file systems: a directory there cannot be made (creating one under /proc hangs). */
const PSEUDO_FILE_SYSTEMS = ["/proc", "/sys", "/dev"];

/** A file path (no NUL byte, which no file system accepts). */
export const FilePath = Schema.String.check(
  minChars(1),
  Schema.makeFilter((value: string) => !value.includes("\0") || `must not contain a NUL character, got ${describe(value)}`),
);

/** The directory runs are written under: a real file system, not /proc, /sys or /dev. */
export const OutDir = FilePath.check(
  Schema.makeFilter((value: string) => {
    const absolute = resolve(value);
    const under = PSEUDO_FILE_SYSTEMS.find((root) => absolute === root || absolute.startsWith(root + sep));
    return under === undefined || `must not be under ${under} (a virtual file system; runs cannot be written there), got ${describe(value)}`;
  }),
);

const Adam = Schema.Struct(
  withDefaults(
    {
      lr: Finite.check(above(0)),
      beta1: Finite.check(atLeast(0), below(1)),
      beta2: Finite.check(atLeast(0), below(1)),
      epsilon: Finite.check(above(0)),
      lrHalfLife: Schema.UndefinedOr(Finite.check(above(0))),
    },
    ADAM_DEFAULTS,
  ),
);

/** An EMA of a network's weights: e ← decay·e + (1 − decay)·w from iteration `start` on, a copy before it. */
const EmaSchema = Schema.UndefinedOr(Schema.Struct({ decay: Finite.check(atLeast(0), below(1)), start: Int.check(atLeast(0)) }));

const Trainer = Schema.Struct(
  withDefaults(
    {
      kind: Schema.Literal("egan"),
      mutations: Schema.Array(Schema.Literals(G_LOSSES)).check(minItems(1), maxItems(G_LOSSES.length), uniqueItems),
      /** Survivors kept per iteration; each makes one child per mutation. */
      mu: Int.check(atLeast(1), atMost(16)),
      /** Fitness F = Fq + γ·Fd. */
      gamma: Finite.check(atLeast(0)),
      /** D steps per iteration. */
      nD: Int.check(atLeast(1), atMost(16)),
      /** Evolve every k-th iteration; in between, each parent trains on its lineage's loss (strategies/egan lossesToTry). */
      evolveEvery: Int.check(atLeast(1), atMost(100000)),
      /** How the μ survivors are chosen: by F = Fq + γ·Fd ("sum"), or front by front on the Pareto front of (Fq, Fd) ("pareto": strategies/egan selectPareto). */
      selection: Schema.Literals(SELECTIONS),
      batchSize: Int.check(atLeast(1), atMost(4096)),
      /** Batch on which children's fitness is measured. */
      evalBatchSize: Int.check(atLeast(1), atMost(8192)),
      implementation: Schema.Literals(IMPLEMENTATIONS),
      g: Adam,
      d: Adam,
      /** D's loss: cross-entropy ("bce", E-GAN, DCGAN), hinge (BigGAN, BigBiGAN), WGAN-GP (PGGAN; DCGAN too) or least squares (CycleGAN). */
      dLoss: Schema.Literals(D_LOSSES),
      /** β of the off-diagonal orthogonal regularization on G's weights (0: off). */
      orthoReg: Finite.check(atLeast(0)),
      /** An exponential moving average of G (of the fittest survivor on the toys); sampling uses it. `start`: the iteration from which it averages (before it, it copies G). */
      ema: EmaSchema,
      /**
       * PacGAN packing for the toy D (Lin et al. 2018): D scores this many samples at once,
       * concatenated into one input, all real or all fake, so a generator that drops modes is seen
       * by D (1: off). Batch sizes (and batchSize/μ) must be multiples of it.
       */
      pack: Int.check(atLeast(1), atMost(16)),
      /** Instance noise on every point the toy D sees: std, annealed linearly to 0 at iteration `until`. */
      instanceNoise: Schema.UndefinedOr(Schema.Struct({ std: Finite.check(above(0)), until: Int.check(atLeast(1)) })),
      /** cyclegan: λ, the cycle loss's weight: λ·(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁). */
      lambda: Schema.UndefinedOr(Finite.check(atLeast(0))),
      /** cyclegan: r, the identity loss's weight as a share of λ (r·λ·(‖G(b) − b‖₁ + ‖F(a) − a‖₁)); 0 turns it off. */
      identity: Schema.UndefinedOr(Finite.check(atLeast(0))),
    },
    DEFAULTS.trainer,
  ),
);

const { family: DEFAULT_FAMILY, ...MLP_DEFAULTS } = DEFAULTS.model;
const hidden = Schema.Array(Int.check(atLeast(1), atMost(4096))).check(minItems(1), maxItems(8));
const zDim = Int.check(atLeast(1), atMost(512));
/** Base channel width. */
const width = Int.check(atLeast(8), atMost(512));

// Told apart by `family`, so an error names the field of the family given.
const Model = Schema.Union([
  Schema.Struct(withDefaults({ family: Schema.Literal("mlp"), zDim: Int.check(atLeast(1), atMost(64)), gHidden: hidden, dHidden: hidden }, MLP_DEFAULTS)),
  Schema.Struct({
    family: Schema.Literal("dcgan"),
    zDim,
    width,
    /** Spectral normalization of D's weights. */
    spectralNorm: Schema.Boolean,
    /** PGGAN's minibatch-stddev channel before D's linear layer. */
    minibatchStd: Schema.Boolean,
  }),
  Schema.Struct({
    family: Schema.Literal("biggan"),
    zDim,
    width,
    /** Class-conditional G (conditional BN) and D (projection head). */
    conditional: Schema.Boolean,
    attention: Schema.Boolean,
    /** Where attention runs in G and D: after the blocks whose output has this height (H/4, H/2 or H). */
    attentionResolution: Int.check(atLeast(1)),
    sharedEmbedding: Schema.Boolean,
    embedDim: Int.check(atLeast(1), atMost(512)),
    skipZ: Schema.Boolean,
    spectralNorm: Schema.Boolean,
  }),
  Schema.Struct({
    family: Schema.Literal("bigbigan"),
    zDim,
    width,
    attention: Schema.Boolean,
    attentionResolution: Int.check(atLeast(1)),
    skipZ: Schema.Boolean,
    spectralNorm: Schema.Boolean,
    /** Width of the H and J MLPs and of E's hidden layer. */
    hidden: Int.check(atLeast(1), atMost(4096)),
    /** z = μ + ε·softplus(σ̂) (true) or z = μ (false). */
    stochasticEncoder: Schema.Boolean,
    /** The unary scores s_x and s_z in the losses (s_xz is always on). */
    unaryX: Schema.Boolean,
    unaryZ: Schema.Boolean,
    /** E's learning rate as a multiple of G's (paper: 10). */
    encoderLrScale: Finite.check(above(0)),
  }),
  Schema.Struct({
    family: Schema.Literal("sgan"),
    zDim,
    /** G's base width (DCGAN's generator; the MLP one has Salimans et al.'s 500, 500). */
    width,
    /** G: "dcgan" (convolutional) or "mlp" (Salimans et al.'s MNIST generator). */
    generator: Schema.Literals(["dcgan", "mlp"]),
    /** D's hidden layer widths, input side first; the last is the feature layer of feature matching. */
    dHidden: hidden,
    /** σ of the Gaussian noise on D's input while training (pixels in [−1, 1]). */
    inputNoise: Finite.check(atLeast(0)),
    /** σ of the Gaussian noise after each of D's hidden layers while training. */
    hiddenNoise: Finite.check(atLeast(0)),
    /** w in D's loss L_sup + w·L_unsup. */
    unlabelledWeight: Finite.check(atLeast(0)),
    /** Weight normalization of D's dense layers (Salimans et al.'s MNIST D has it). */
    weightNorm: Schema.Boolean,
    /** An EMA of D's weights (decay, start as trainer.ema's): the classifier whose accuracy is measured; absent: D itself. */
    classifierEma: EmaSchema,
  }),
  Schema.Struct({
    family: Schema.Literal("augbigan"),
    zDim,
    /** G's base width (DCGAN's generator). */
    width,
    /** D's hidden layer widths, input side first; the last is the feature layer of feature matching. */
    dHidden: hidden,
    /** σ of the Gaussian noise on D's image input while training (pixels in [−1, 1]; not on the code z). */
    inputNoise: Finite.check(atLeast(0)),
    /** σ of the Gaussian noise after each of D's hidden layers while training. */
    hiddenNoise: Finite.check(atLeast(0)),
    /** w in D's loss L_sup + w·L_unsup. */
    unlabelledWeight: Finite.check(atLeast(0)),
    /** Weight normalization of D's dense layers. */
    weightNorm: Schema.Boolean,
    /** E's hidden layer widths, image side first. */
    eHidden: hidden,
    /** The third pair (G(E(x)), E(x)): D calls it fake, G and E make it look real (what makes reconstructions follow x). */
    thirdPair: Schema.Boolean,
    /** G's and E's term for the third pair: −log D(G(E(x)), E(x)), or D's features matched pair by pair (augbigan-losses.ts). */
    thirdPairLoss: Schema.Literals(THIRD_PAIR_LOSSES),
    /** Weight of the third pair's term in G's and E's loss. */
    thirdPairWeight: Finite.check(atLeast(0)),
    /** E's learning rate as a multiple of G's. */
    encoderLrScale: Finite.check(above(0)),
    /** Weight of the manifold-invariance penalty in D's loss (0: off; src/losses/augbigan-losses.ts). */
    invariance: Finite.check(atLeast(0)),
  }),
  Schema.Struct({
    family: Schema.Literal("pggan"),
    zDim,
    /** Base width w: 2w channels at the lowest resolution, halved at each doubling (pggan.ts). */
    width,
    /**
     * When G and D grow (growth-schedule.ts), in iterations: hold[k] at stage k before the next
     * grows in, fade[k] for stage k + 1 to fade in. One entry per growth step (2: 7 → 14 → 28);
     * PBT reaches each as model.growth.hold.0, model.growth.fade.1, ….
     */
    growth: Schema.Struct({ hold: Schema.Array(Int.check(atLeast(0))), fade: Schema.Array(Int.check(atLeast(0))) }),
  }),
  Schema.Struct({
    family: Schema.Literal("cyclegan"),
    /** w: G's and F's widths are w, 2w and 4w (src/models/image/cyclegan.ts). */
    gWidth: Int.check(atLeast(1), atMost(512)),
    /** R, the residual blocks of G and F at the 7×7 bottleneck. */
    blocks: Int.check(atLeast(0), atMost(32)),
    /** v: D_A's and D_B's widths are v and 2v. */
    dWidth: Int.check(atLeast(1), atMost(512)),
  }),
]);

const Task = Schema.Struct(
  withDefaults(
    {
      dataset: Schema.Literals(DATASETS),
      /** Train on the first `limit` images of the (seeded, shuffled) training set; default all. */
      limit: Schema.UndefinedOr(Int.check(atLeast(1))),
      /** Users' own files: an IDX pair (mnist, fashion-mnist) or CIFAR-10 binary batch files. */
      imagesFile: Schema.UndefinedOr(FilePath),
      labelsFile: Schema.UndefinedOr(FilePath),
      files: Schema.UndefinedOr(Schema.Array(FilePath).check(minItems(1))),
      /** sgan: L, the labelled training images (balanced over the classes: a multiple of their count). */
      labelled: Schema.UndefinedOr(Int.check(atLeast(1))),
      /** sgan: the labelled validation images, drawn from the training set, for fitness; cyclegan: the validation pairs, training images held out of both domains. */
      validation: Schema.UndefinedOr(Int.check(atLeast(1))),
      /** sgan: seeds which images are labelled and which validate. */
      labelSeed: Schema.UndefinedOr(Int.check(atLeast(0))),
      /** cyclegan: T, domain B = T(images of domain A's kind) (src/data/unpaired-domains.ts). */
      transform: Schema.UndefinedOr(Schema.Literals(DOMAIN_TRANSFORMS)),
      /** cyclegan: domain B as another dataset's images instead of T(A's kind): no known answer (MNIST ↔ Fashion-MNIST). */
      domainB: Schema.UndefinedOr(Schema.Literals(OTHER_DOMAINS)),
      /** cyclegan: seeds which training images are domain A's, domain B's and held out for validation. */
      splitSeed: Schema.UndefinedOr(Int.check(atLeast(0))),
    },
    DEFAULTS.task,
  ),
);

const RunFields = Schema.Struct(
  withDefaults(
    {
      /** Becomes the run's directory name: `<outDir>/<name>/`; no separators, no leading dot (".", "..", hidden dirs). */
      name: Schema.optional(nameSchema({ dots: true })),
      seed: Int.check(atLeast(0)),
      backend: Schema.Literals(BACKENDS),
      outDir: OutDir,
      task: Task,
      model: Model,
      trainer: Trainer,
      /** At most `iterations`; with `seconds`, training also stops at the first segment after that much wall time (then evaluates). */
      budget: Schema.Struct(withDefaults({ iterations: Int.check(atLeast(1)), seconds: Schema.UndefinedOr(Finite.check(above(0))) }, DEFAULTS.budget)),
      /** `grid`: images in the sample grid drawn from one fixed z at every evaluation (image families). */
      eval: Schema.Struct(withDefaults({ every: Int.check(atLeast(1)), samples: Int.check(atLeast(1)), grid: Int.check(atLeast(1), atMost(1024)) }, DEFAULTS.eval)),
    },
    DEFAULTS,
  ),
);

/** The rules that involve two fields: which data and trainer settings a model family can use. */
function familyProblem(c: typeof RunFields.Type): Schema.FilterIssue | undefined {
  const at = (path: string, issue: string): Schema.FilterIssue => ({ path: path.split("."), issue });
  const { family } = c.model;
  const toy = isToyDataset(c.task.dataset);
  if (family === "mlp" && !toy) return at("model.family", `the toy MLP trains on ring8 or grid25, not ${c.task.dataset}; use dcgan, biggan or bigbigan for images`);
  if (family !== "mlp" && toy) return at("task.dataset", `${family} trains on images (${IMAGE_DATASETS.join(", ")}), not ${c.task.dataset}`);
  if (family === "mlp") {
    if (c.trainer.dLoss !== "bce") return at("trainer.dLoss", "the toy trainer uses the cross-entropy D loss (bce)");
    if (c.trainer.orthoReg !== 0) return at("trainer.orthoReg", "orthogonal regularization is for the image families");
    const { pack, batchSize, evalBatchSize, mu } = c.trainer;
    if (batchSize % pack !== 0) return at("trainer.batchSize", `must be a multiple of trainer.pack (${pack})`);
    if (evalBatchSize % pack !== 0) return at("trainer.evalBatchSize", `must be a multiple of trainer.pack (${pack})`);
    if (Math.floor(batchSize / mu) % pack !== 0) return at("trainer.batchSize", `each of the μ = ${mu} survivors gives D ⌊batchSize/μ⌋ fakes a step, which must be a multiple of trainer.pack (${pack})`);
  } else if (c.trainer.pack !== 1) {
    return at("trainer.pack", "packing is for the toy D (model.family mlp)");
  } else if (c.trainer.instanceNoise) {
    return at("trainer.instanceNoise", "instance noise is for the toy D (model.family mlp)");
  } else if (c.trainer.implementation !== "fast") {
    return at("trainer.implementation", `the image families have one (autodiff) implementation; leave it "fast"`);
  }
  if (c.task.dataset === "cifar10") {
    return at("task.dataset", "cifar10 has no evaluation classifier in evogan yet, so its runs could not be evaluated; evogan reads the files (src/data/cifar10.ts) but trains on mnist or fashion-mnist");
  }
  const m = c.model;
  // Every dataset evogan trains on is 28×28: G's blocks output 14 and 28, D's 14 and 7.
  if ((m.family === "biggan" || m.family === "bigbigan") && m.attention && ![7, 14, 28].includes(m.attentionResolution)) {
    return at("model.attentionResolution", `no block of a 28×28 model works at ${m.attentionResolution}; choose 7 (D only), 14 (G and D) or 28 (G only)`);
  }
  // BigBiGAN's and CycleGAN's trainers evolve every iteration (evolve-every-k is in the toy and the image E-GAN trainers).
  if ((family === "bigbigan" || family === "augbigan" || family === "cyclegan") && c.trainer.evolveEvery !== 1) return at("trainer.evolveEvery", `${family} evolves every iteration (1); evolving every k is for the mlp, dcgan, biggan, sgan and pggan families`);
  if ((family === "bigbigan" || family === "augbigan") && c.trainer.mu !== 1) return at("trainer.mu", `${family === "bigbigan" ? "BigBiGAN" : "augmented BiGAN"} keeps one survivor (D's real pairs need one encoder)`);
  if ((family === "bigbigan" || family === "augbigan") && c.trainer.mutations.includes("rsgan")) return at("trainer.mutations", `rsgan pairs fake images with real ones; ${family === "bigbigan" ? "BigBiGAN" : "augmented BiGAN"}'s scores are of (x, z) pairs, so it has no rsgan mutation`);
  if (family === "bigbigan" && c.trainer.dLoss !== "hinge") return at("trainer.dLoss", "BigBiGAN's discriminator loss is the hinge");
  if (m.family === "cyclegan") {
    const problem = cycleganProblem(c);
    if (problem) return at(...problem);
  } else {
    if (c.trainer.dLoss === "least-squares") return at("trainer.dLoss", `least-squares is CycleGAN's D loss on its patch outputs (model.family cyclegan), not ${family}'s`);
    const cycleField = (["transform", "domainB", "splitSeed"] as const).find((k) => c.task[k] !== undefined);
    if (cycleField) return at(`task.${cycleField}`, "is for the translation family (model.family cyclegan)");
    const weight = (["lambda", "identity"] as const).find((k) => c.trainer[k] !== undefined);
    if (weight) return at(`trainer.${weight}`, "is a CycleGAN loss weight (model.family cyclegan)");
  }
  // WGAN-GP differentiates D's input gradient again: checked for PGGAN's and DCGAN's D (test/trainers/wgan-gp-trainer.test.ts), not for BigGAN's conditional, spectrally normalised one.
  if (c.trainer.dLoss === "wgan-gp" && family !== "pggan" && family !== "dcgan") return at("trainer.dLoss", `wgan-gp is for the pggan and dcgan families (their critics' double backprop is tested), not ${family}`);
  if (c.trainer.dLoss === "wgan-gp" && m.family === "dcgan" && m.spectralNorm) return at("model.spectralNorm", "wgan-gp's double backprop is tested for DCGAN's D without spectral norm (and the penalty already keeps the critic 1-Lipschitz); turn one of them off");
  if (m.family === "pggan") {
    const { hold, fade } = m.growth;
    const short = ([["hold", hold], ["fade", fade]] as const).find(([, xs]) => xs.length !== PGGAN_GROWTH_STEPS);
    if (short) return at(`model.growth.${short[0]}`, `needs one entry per growth step, ${PGGAN_GROWTH_STEPS} for 7 → 14 → 28 (28×28 images), got ${short[1].length}`);
  }
  const semi = isSemiFamily(family);
  if (!semi && c.trainer.mutations.includes("feature-matching")) return at("trainer.mutations", `feature-matching needs D's features; only the semi-supervised families' D (sgan, augbigan) gives them, not ${family}'s`);
  if (semi && c.trainer.dLoss !== "bce") return at("trainer.dLoss", `${family}'s unsupervised D loss is the cross-entropy on its score s = logsumexp of the class logits (bce)`);
  // Validation images rank semi-supervised members (D's accuracy) and cyclegan members (their translations).
  const semiField = (["labelled", "validation", "labelSeed"] as const).find((k) => c.task[k] !== undefined && !(k === "validation" && family === "cyclegan"));
  if (!semi && semiField) return at(`task.${semiField}`, semiField === "validation" ? "is for the semi-supervised and translation families (model.family sgan, augbigan or cyclegan)" : "is for the semi-supervised families (model.family sgan or augbigan)");
  // Every image set evogan trains on has 10 classes, and the split is balanced over them.
  const unbalanced = (["labelled", "validation"] as const).find((k) => (c.task[k] ?? 0) % 10 !== 0);
  if (semi && unbalanced) return at(`task.${unbalanced}`, `must be a multiple of the 10 classes so that every class has as many, got ${c.task[unbalanced]}`);
  if (toy && (c.task.limit !== undefined || c.task.imagesFile || c.task.labelsFile || c.task.files)) {
    return at("task", "limit, imagesFile, labelsFile and files are for image datasets");
  }
  return undefined;
}

/**
 * What a cyclegan config cannot have, as [dot-path, issue]: CycleganTrainer
 * (src/trainers/cyclegan-trainer.ts) keeps one survivor, steps D_A and D_B once an iteration and
 * translates with G and F themselves; its test pairs are built from the dataset's own test set.
 */
function cycleganProblem(c: typeof RunFields.Type): readonly [string, string] | undefined {
  const t = c.trainer;
  if (t.dLoss !== "least-squares" && t.dLoss !== "bce") return ["trainer.dLoss", `CycleGAN's D losses are least-squares (the paper's) and bce, not ${t.dLoss}`];
  if (t.mu !== 1) return ["trainer.mu", "CycleGAN keeps one survivor (one pair G, F for D_A and D_B to train against)"];
  if (t.nD !== 1) return ["trainer.nD", "CycleGAN steps D_A and D_B once an iteration, as the paper does"];
  if (t.ema) return ["trainer.ema", "CycleGAN has no moving average of G and F: it translates with them as trained"];
  if (t.orthoReg !== 0) return ["trainer.orthoReg", "orthogonal regularization is for BigGAN's generators, not CycleGAN's"];
  if (t.lambda === undefined || t.identity === undefined) return [`trainer.${t.lambda === undefined ? "lambda" : "identity"}`, "CycleGAN needs its cycle and identity weights"];
  const { task } = c;
  if ((task.transform === undefined && task.domainB === undefined) || task.splitSeed === undefined || task.validation === undefined) return ["task", "CycleGAN needs task.transform (or task.domainB), task.splitSeed and task.validation"];
  if (task.transform !== undefined && task.domainB !== undefined) return ["task.domainB", `makes domain B another dataset's images, and task.transform makes it T(${task.dataset}): give one of them`];
  if (task.domainB !== undefined && task.dataset !== "mnist") return ["task.domainB", `pairs ${task.domainB} with mnist (task.dataset), not ${task.dataset}`];
  const file = (["imagesFile", "labelsFile", "files"] as const).find((k) => task[k] !== undefined);
  if (file) return [`task.${file}`, `CycleGAN's test pairs come from ${task.dataset}'s own test set, so it trains on ${task.dataset}'s own training set too`];
  if (task.limit !== undefined && task.limit < task.validation + 2) return ["task.limit", `keeps ${task.limit} training images, but ${task.validation} are held out for validation (task.validation) and each domain needs at least one`];
  return undefined;
}

/**
 * A run config file, once its family's defaults are laid under it (decodeRunConfig does that):
 * every field checked, every default filled in, the family rules passed. `name` may still be
 * missing; decodeRunConfig names the run after its dataset then.
 */
export const runFileSchema = RunFields.check(Schema.makeFilter(familyProblem));

// ---- Types, derived from the schema ------------------------------------------------------------

type RunFile = typeof runFileSchema.Type;
export type RunConfig = Omit<RunFile, "name"> & {
  /** Becomes the run's directory name: `<outDir>/<name>/`. */
  readonly name: string;
};
export type TaskConfig = RunConfig["task"];
export type ModelConfig = RunConfig["model"];
export type MlpModelConfig = Extract<ModelConfig, { readonly family: "mlp" }>;
export type DcganModelConfig = Extract<ModelConfig, { readonly family: "dcgan" }>;
export type BigganModelConfig = Extract<ModelConfig, { readonly family: "biggan" }>;
export type BigbiganModelConfig = Extract<ModelConfig, { readonly family: "bigbigan" }>;
export type SganModelConfig = Extract<ModelConfig, { readonly family: "sgan" }>;
export type AugbiganModelConfig = Extract<ModelConfig, { readonly family: "augbigan" }>;
export type PgganModelConfig = Extract<ModelConfig, { readonly family: "pggan" }>;
export type CycleganModelConfig = Extract<ModelConfig, { readonly family: "cyclegan" }>;
export type ImageModelConfig = DcganModelConfig | BigganModelConfig | BigbiganModelConfig | SganModelConfig | AugbiganModelConfig | PgganModelConfig | CycleganModelConfig;
export type TrainerConfig = RunConfig["trainer"];
export type AdamConfig = TrainerConfig["g"];
export type EmaConfig = NonNullable<TrainerConfig["ema"]>;

// ---- Decoding ----------------------------------------------------------------------------------

/** `over` laid on `under`: objects merge key by key, anything else in `over` wins. */
function layer(under: unknown, over: unknown): unknown {
  if (!isPlainObject(under) || !isPlainObject(over)) return over === undefined ? under : over;
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) out[k] = layer(under[k], v);
  return out;
}

const decodeRunFile = decodeConfig(runFileSchema);

/** CycleGAN's defaults under `raw`, without the default transform when raw takes domain B from another dataset. */
function cycleganDefaultsUnder(under: unknown, raw: unknown): unknown {
  const task = isPlainObject(raw) ? raw.task : undefined;
  if (!isPlainObject(under) || !isPlainObject(under.task) || !isPlainObject(task) || task.domainB === undefined) return under;
  const { transform: _, ...rest } = under.task;
  return { ...under, task: rest };
}

/** A run config from JSON data: its family (the toy MLP when it names none) and that family's defaults laid under it, then decoded. */
export function decodeRunConfig(value: unknown): RunConfig {
  const model = isPlainObject(value) ? value.model : undefined;
  const family = (isPlainObject(model) ? model.family : undefined) ?? DEFAULT_FAMILY;
  const raw = isPlainObject(value) && isPlainObject(model) ? { ...value, model: { ...model, family } } : value;
  const familyDefaults: Readonly<Record<string, unknown>> = FAMILY_DEFAULTS;
  const under = typeof family === "string" && Object.hasOwn(familyDefaults, family) ? familyDefaults[family] : undefined;
  const { name, ...rest } = decodeRunFile(layer(family === "cyclegan" ? cycleganDefaultsUnder(under, raw) : under, raw));
  return { name: name ?? defaultRunName(rest.task.dataset), ...rest };
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
    // Larger batches steady D's view of 25 modes; with 5e-4 (the issue's tuned baseline) the
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
