// What a run leaves in its directory. The worker produces these records, the orchestrator
// appends them to `events.jsonl` (one JSON object per line), and `evogan report` reads them
// back (src/report/read-run.ts decodes each with the schemas below). Nothing else is needed to
// compare runs, finished or still going.
//
//   runs/<name>/config.json      the fully resolved config
//   runs/<name>/run.json         RunInfo (rewritten when the status changes)
//   runs/<name>/events.jsonl     IterationRecord | EvalRecord | EndRecord, in order
//   runs/<name>/checkpoints/     msgpackr checkpoints (checksummed)
//   runs/<name>/samples/         PNG scatter plots, one per evaluation
//
// The schemas are the one place a record's shape is written; the types are derived from them.
// A reader names a bad field by its key (`"Fq" must be a number or null`); a schema annotated
// `what` names itself instead (`a child must be an object`), and one annotated `message` says it
// all (`"survivors" must hold integers`).

import * as Schema from "effect/Schema";
import * as SchemaTransformation from "effect/SchemaTransformation";

import type { OwnerStamp } from "./liveness.ts";

/** A finite number. */
const Finite = Schema.Number.check(Schema.makeFilter((n: number) => Number.isFinite(n)));

/** JSON has no NaN: JSON.stringify writes a NaN fitness or loss as null, so null reads back as NaN. */
const NumberOrNaN = Schema.Union([Schema.Number, Schema.Null])
  .pipe(Schema.decodeTo(Schema.Number, SchemaTransformation.transform({ decode: (v: number | null) => v ?? Number.NaN, encode: (n: number) => (Number.isNaN(n) ? null : n) })))
  .annotate({ expected: "a number or null" });

/** A member of a union guarded by `check` (a check that tells which member a value is meant for: src/schema-problem.ts). */
function guarded<S extends Schema.Top>(check: (o: { readonly [x: string]: unknown }) => boolean, member: S) {
  return Schema.Record(Schema.String, Schema.Unknown)
    .check(Schema.makeFilter(check, { guard: true }))
    .pipe(Schema.decodeTo(member, SchemaTransformation.passthrough({ strict: false })));
}

/** One child of one E-GAN iteration: F = Fq + γ·Fd (higher is better; NaN is never selected). */
export const childRecordSchema = Schema.Struct({
  mutation: Schema.String,
  /** Index of the parent this child was made from (0..μ-1). */
  parent: Finite,
  /** Fq = mean D(G(z)) over the evaluation batch. */
  Fq: NumberOrNaN,
  /** Fd = −log ‖∇_θD L_D‖₂. */
  Fd: NumberOrNaN,
  F: NumberOrNaN,
}).annotate({ what: "a child" });
export type ChildRecord = typeof childRecordSchema.Type;

export const iterationRecordSchema = Schema.Struct({
  type: Schema.Literal("iteration"),
  /** 1-based iteration number. */
  it: Finite,
  children: Schema.Array(childRecordSchema),
  /** Indices into `children` of the survivors, best first. */
  survivors: Schema.Array(Schema.Number.annotate({ message: `"survivors" must hold integers` }).check(Schema.makeFilter((n: number) => Number.isInteger(n)))),
  /** D's loss (the member's trainer.dLoss: cross-entropy, hinge or WGAN-GP) at its last step of this iteration. */
  dLoss: NumberOrNaN,
  /** Wall-clock milliseconds of training since the run started (excluding evaluations). */
  elapsedMs: Finite,
  /** pggan: the growth stage this iteration trained at (0: the lowest resolution; src/models/image/growth-schedule.ts). */
  stage: Schema.optionalKey(Finite),
  /** pggan: the newest stage's fade-in weight α (1 when not fading). */
  alpha: Schema.optionalKey(Finite),
  /** cyclegan: the survivor's generator losses as it trained on them, weights applied: adversarial, λ·cycle, r·λ·identity. */
  losses: Schema.optionalKey(Schema.Struct({ adversarial: NumberOrNaN, cycle: NumberOrNaN, identity: NumberOrNaN })),
});
export type IterationRecord = typeof iterationRecordSchema.Type;

/** VEEGAN/PacGAN toy metrics on `samples` generator samples. */
export const toyMetricsSchema = Schema.Struct({
  samples: Finite,
  /** Modes that are the nearest centre of at least one high-quality sample. */
  modes: Finite,
  totalModes: Finite,
  /** Fraction (0..1) of samples within 3σ of their nearest centre. */
  highQuality: NumberOrNaN,
  /** Σ_k p_k ln(p_k·K) over modes, p_k = share of high-quality samples at mode k. */
  reverseKL: NumberOrNaN,
  /** MMD² between the samples and the known mixture (src/metrics/mixture-mmd.ts); lower is better. Absent in runs from before it. */
  mmd: Schema.optionalKey(NumberOrNaN),
});
export type ToyMetrics = typeof toyMetricsSchema.Type;

/**
 * Image metrics from the evaluation classifier (src/metrics/classifier): FID on its penultimate
 * features against the training set, the Inception-style score exp(E KL(p(y|x) ‖ p(y))), and the
 * total variation distance between the predicted class frequencies and the uniform ones. A
 * diverged generator's may be NaN (written as null).
 */
export const imageMetricsSchema = Schema.Struct({
  samples: Finite,
  fid: NumberOrNaN,
  inceptionScore: NumberOrNaN,
  classTvd: NumberOrNaN,
  /** sgan, augbigan: the fraction of the labelled validation images (from the training set) D's classifier gets right; fitness may use it. */
  valAccuracy: Schema.optionalKey(NumberOrNaN),
  /** sgan: the same on the test set: reported, never selected on. */
  testAccuracy: Schema.optionalKey(NumberOrNaN),
  /** augbigan: mean |x − G(E(x))| per pixel on the [0, 1] scale over the test set's first 1000 images. */
  reconstructionError: Schema.optionalKey(NumberOrNaN),
});
export type ImageMetrics = typeof imageMetricsSchema.Type;

/**
 * A CycleGAN's translation metrics (src/metrics/translation-metrics.ts) on `samples` test pairs
 * (a, T(a)): mean absolute errors per pixel on the [0, 1] scale and label preservation through
 * T⁻¹, G: A → B and F: B → A each, and FID in each domain. The val* fields are the same on the
 * validation pairs (training images never trained on): what a sweep ranks members by.
 */
export const translationMetricsSchema = Schema.Struct({
  samples: Finite,
  /** E|G(a) − T(a)|. */
  translationError: NumberOrNaN,
  /** E|F(T(a)) − a|. */
  backTranslationError: NumberOrNaN,
  /** E|F(G(a)) − a| and E|G(F(b)) − b|. */
  cycleErrorA: NumberOrNaN,
  cycleErrorB: NumberOrNaN,
  /** Share of a whose T⁻¹(G(a)) the evaluation classifier labels as a's label. */
  labelPreservation: NumberOrNaN,
  /** The same for F(T(a)). */
  backLabelPreservation: NumberOrNaN,
  /**
   * FID of F(b) in domain A, and of T⁻¹(G(a)) (domain B read back through T⁻¹). With domain B
   * another dataset (task.domainB, no T), fidB is G(a)'s under B's own classifier, and the
   * translation errors and label preservations are NaN: nothing says what G(a) should be.
   */
  fidA: NumberOrNaN,
  fidB: NumberOrNaN,
  /** The validation pairs: how many, and G's translation error and label preservation on them. */
  valSamples: Finite,
  valTranslationError: NumberOrNaN,
  valLabelPreservation: NumberOrNaN,
});
export type TranslationMetrics = typeof translationMetricsSchema.Type;

/** Told apart by a field only their kind has: "fid" (image), "translationError" (translation), "modes" (toy), as the is*Metrics guards do. */
export const evalMetricsSchema = Schema.Union([
  guarded((o) => "fid" in o, imageMetricsSchema),
  guarded((o) => !("fid" in o) && "modes" in o, toyMetricsSchema),
  guarded((o) => !("fid" in o) && !("modes" in o) && "translationError" in o, translationMetricsSchema),
]).annotate({
  expected: "an object",
  unmatched: `"metrics" must hold toy metrics ("modes", ...) or image metrics ("fid", ...), or translation metrics ("translationError", ...)`,
});
export type EvalMetrics = typeof evalMetricsSchema.Type;

export const isImageMetrics = (m: EvalMetrics): m is ImageMetrics => "fid" in m;
export const isTranslationMetrics = (m: EvalMetrics): m is TranslationMetrics => "translationError" in m;
export const isToyMetrics = (m: EvalMetrics): m is ToyMetrics => "modes" in m;

export const evalRecordSchema = Schema.Struct({
  type: Schema.Literal("eval"),
  it: Finite,
  metrics: evalMetricsSchema,
  /** Path of the picture (toy scatter plot or image sample grid), relative to the run directory. */
  plot: Schema.optionalKey(Schema.String),
  elapsedMs: Finite,
});
export type EvalRecord = typeof evalRecordSchema.Type;

export const endRecordSchema = Schema.Struct({
  type: Schema.Literal("end"),
  it: Finite,
  elapsedMs: Finite,
  itersPerSec: NumberOrNaN,
});
export type EndRecord = typeof endRecordSchema.Type;

/** A record of events.jsonl, told apart by `type`. */
export const runEventSchema = Schema.Union([iterationRecordSchema, evalRecordSchema, endRecordSchema]);
export type RunEvent = typeof runEventSchema.Type;
export const RUN_EVENT_TYPES: readonly string[] = ["iteration", "eval", "end"] satisfies readonly RunEvent["type"][];

/** "crashed" is never written: a reader sees it when a "running" run's process is gone (src/liveness.ts). */
export const RUN_STATUSES = ["running", "finished", "interrupted", "failed", "crashed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * What made a run or sweep, taken once when it starts (src/orchestrator/stamps.ts): the evogan
 * source's git commit, the versions and engines that computed it, how it was started, and a hash
 * of its resolved config. Records from before stamps have none (the fields are optional).
 */
export const stampsSchema = Schema.Struct({
  /** ISO time the stamps were taken (the start, or the resume). */
  at: Schema.String,
  /** HEAD of the checkout evogan runs from, and whether tracked files differ from it; null outside a git checkout (an installed package) or without git. */
  git: Schema.NullOr(Schema.Struct({ commit: Schema.String, dirty: Schema.Boolean })),
  /** evogan's and tfjs's package.json versions (tfjs null: not found), and `process.version`. */
  evogan: Schema.String,
  node: Schema.String,
  tfjs: Schema.NullOr(Schema.String),
  /** The backend the worker resolved ("wasm", "tensorflow-gpu", ...) and its package's version. */
  backend: Schema.String,
  backendVersion: Schema.NullOr(Schema.String),
  /** What runs the matrix products, as the run's first line says it ("OpenBLAS (native GEMM on the wasm heap)"). */
  matmul: Schema.String,
  /** The command line without the node executable: the evogan script, then its arguments. */
  argv: Schema.Array(Schema.String),
  host: Schema.String,
  /**
   * sha256 (first 16 hex digits) of the resolved config as compact JSON, as the program was given
   * it: a new run's or sweep's before a taken name gets its -2, a resume's as config.json holds it.
   */
  configHash: Schema.String,
});
export type Stamps = typeof stampsSchema.Type;

export const runInfoSchema = Schema.Struct({
  /** The process that writes the run, and the machine it runs on (src/liveness.ts OwnerStamp). */
  pid: Schema.optionalKey(Finite),
  host: Schema.optionalKey(Schema.String),
  /** ISO time of the last heartbeat. */
  heartbeatAt: Schema.optionalKey(Schema.String),
  name: Schema.String,
  backend: Schema.String,
  status: Schema.Literals(RUN_STATUSES),
  startedAt: Schema.String,
  updatedAt: Schema.String,
  seed: Finite,
  iterations: Finite,
  /** Taken when the run started (a sweep member's: the sweep's); a resume keeps them. */
  stamps: Schema.optionalKey(stampsSchema),
  /** The stamps of each resume, oldest first (a resume may run other code than the start did). */
  resumedWith: Schema.optionalKey(Schema.Array(stampsSchema)),
}).annotate({ what: "run.json" }) satisfies Schema.Decoder<OwnerStamp>;
export type RunInfo = typeof runInfoSchema.Type;
