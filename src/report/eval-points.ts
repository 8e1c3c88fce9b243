// Evaluations as the report sees them: one point per eval record, tagged with its metric kind
// (toy: VEEGAN/PacGAN mode coverage; image: FID, Inception-style score, class TVD; translation:
// a CycleGAN's translation errors, label preservation and FID per domain), and the task a run
// trained on, read from its config.json.
import { IMAGE_DATASETS } from "../config/run-config.ts";
import { type EvalRecord, isImageMetrics, isTranslationMetrics } from "../records.ts";

export type MetricKind = "toy" | "image" | "translation";

interface EvalPointBase {
  readonly it: number;
  /** Training wall time (ms) when the evaluation was drawn, from the eval record. */
  readonly elapsedMs: number;
}

export interface ToyEvalPoint extends EvalPointBase {
  readonly kind: "toy";
  readonly modes: number;
  readonly totalModes: number;
  readonly highQuality: number;
  readonly reverseKL: number;
  /** MMD² to the known mixture; NaN for runs recorded before it existed. */
  readonly mmd: number;
}

export interface ImageEvalPoint extends EvalPointBase {
  readonly kind: "image";
  /** Fréchet distance on the evaluation classifier's features (lower is better). */
  readonly fid: number;
  /** exp(E KL(p(y|x) ‖ p(y))) (higher is better). */
  readonly inceptionScore: number;
  /** Total variation distance of the predicted class frequencies from uniform (lower is better). */
  readonly classTvd: number;
  /** sgan, augbigan: its classifier's accuracy on the labelled validation images, and on the test set; NaN for other runs. */
  readonly valAccuracy: number;
  readonly testAccuracy: number;
  /** augbigan: mean |x − G(E(x))| per pixel on the [0, 1] scale on test images; NaN for other runs. */
  readonly reconstructionError: number;
}

export interface TranslationEvalPoint extends EvalPointBase {
  readonly kind: "translation";
  /** E|G(a) − T(a)| and E|F(T(a)) − a| on test pairs, per pixel on the [0, 1] scale (lower is better). */
  readonly translationError: number;
  readonly backTranslationError: number;
  /** E|F(G(a)) − a| and E|G(F(b)) − b|. */
  readonly cycleErrorA: number;
  readonly cycleErrorB: number;
  /** Shares of test images whose translations (read back through T⁻¹ for G) keep their label (higher is better). */
  readonly labelPreservation: number;
  readonly backLabelPreservation: number;
  /** FID in domain A (of F(b)) and in domain B (of T⁻¹(G(a))). */
  readonly fidA: number;
  readonly fidB: number;
  /** G's translation error and label preservation on the validation pairs (what a sweep ranks by). */
  readonly valTranslationError: number;
  readonly valLabelPreservation: number;
}

export type EvalPoint = ToyEvalPoint | ImageEvalPoint | TranslationEvalPoint;

export function evalPoint(record: EvalRecord): EvalPoint {
  const { it, elapsedMs, metrics: m } = record;
  if (isTranslationMetrics(m)) {
    const { translationError, backTranslationError, cycleErrorA, cycleErrorB, labelPreservation, backLabelPreservation, fidA, fidB, valTranslationError, valLabelPreservation } = m;
    return { kind: "translation", it, elapsedMs, translationError, backTranslationError, cycleErrorA, cycleErrorB, labelPreservation, backLabelPreservation, fidA, fidB, valTranslationError, valLabelPreservation };
  }
  if (isImageMetrics(m)) return { kind: "image", it, elapsedMs, fid: m.fid, inceptionScore: m.inceptionScore, classTvd: m.classTvd, valAccuracy: m.valAccuracy ?? NaN, testAccuracy: m.testAccuracy ?? NaN, reconstructionError: m.reconstructionError ?? NaN };
  return { kind: "toy", it, elapsedMs, modes: m.modes, totalModes: m.totalModes, highQuality: m.highQuality, reverseKL: m.reverseKL, mmd: m.mmd ?? NaN };
}

export const isToyPoint = (e: EvalPoint | null | undefined): e is ToyEvalPoint => e?.kind === "toy";
export const isImagePoint = (e: EvalPoint | null | undefined): e is ImageEvalPoint => e?.kind === "image";
export const isTranslationPoint = (e: EvalPoint | null | undefined): e is TranslationEvalPoint => e?.kind === "translation";

export interface RunTask {
  /** `task.dataset` (or the top-level `dataset` of early configs); null when the config names none. */
  readonly dataset: string | null;
  /** `model.family`; "mlp" when absent (every run before image models). */
  readonly model: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The task from a parsed config.json of any version (or null when the run has none). */
export function runTask(config: unknown): RunTask {
  return {
    dataset: text(field(field(config, "task"), "dataset")) ?? text(field(config, "dataset")) ?? null,
    model: text(field(field(config, "model"), "family")) ?? "mlp",
  };
}

/** The kind of the run's evaluations; before the first one, what its dataset implies. */
export function metricKindOf(evals: readonly EvalPoint[], task: RunTask): MetricKind {
  const first = evals[0];
  if (first !== undefined) return first.kind;
  if (task.model === "cyclegan") return "translation";
  return IMAGE_DATASETS.some((d) => d === task.dataset) ? "image" : "toy";
}
