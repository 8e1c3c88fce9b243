// A sweep member's fitness: one evaluation metric, chosen in the sweep config, turned into a
// number where higher is better (FID and TVD are negated). It is computed from the metrics the
// worker already returned, so it never depends on the member's own discriminator and members of
// different architectures compare fairly. The exception, by design, is the semi-supervised
// "val-accuracy": D's classifier is what an sgan run is for, measured on labelled validation
// images that are never trained on (the test set is never a fitness). A metric that does not
// apply to the member (FID on a toy run, val-accuracy of a member without a classifier) is NaN,
// which ranks the member last. A CycleGAN member's fitness is likewise read on validation pairs
// (training images held out of both domains): "val-label-preservation", the share whose
// translation G(a), read back through T⁻¹, the evaluation classifier labels as a's label, and
// "val-translation-error", E|G(a) − T(a)| negated; its `auto` is the latter, continuous where
// label preservation moves in steps of 1/V and saturates near the classifier's accuracy. Any other
// metric of a CycleGAN member is NaN (it draws no images from z to take FID of). On toy data
// `auto` is −MMD² to the mixture: the toy score (modes/K + HQ − rKL/ln K) rewards a generator smeared over the whole
// square, and a PBT sweep ranked by it found exactly that (25/25 modes at 9% high quality).
import { isImageMetrics, isTranslationMetrics, type EvalMetrics } from "../records.ts";
import { toyScore } from "./toy-score.ts";

export const FITNESS_METRICS = ["auto", "mmd", "toy-score", "modes", "high-quality", "reverse-kl", "fid", "inception-score", "class-tvd", "val-accuracy", "val-label-preservation", "val-translation-error"] as const;
export type FitnessMetric = (typeof FITNESS_METRICS)[number];

/** What a metric is measured on: toy samples, generated images, or a CycleGAN's translations (`memberFitness` is NaN on the others); the sweep config refuses a mismatch. */
export type MetricData = "toy" | "image" | "translation";
export const METRIC_DATA: Readonly<Record<FitnessMetric, MetricData | "any">> = {
  auto: "any",
  mmd: "toy",
  "toy-score": "toy",
  modes: "toy",
  "high-quality": "toy",
  "reverse-kl": "toy",
  fid: "image",
  "inception-score": "image",
  "class-tvd": "image",
  // Only a semi-supervised member (sgan, augbigan) has a classifier to measure; any other member's is NaN (ranked last).
  "val-accuracy": "image",
  "val-label-preservation": "translation",
  "val-translation-error": "translation",
};

/** The metric's value with its sign chosen so that higher is better. */
export function memberFitness(metric: FitnessMetric, m: EvalMetrics): number {
  if (isTranslationMetrics(m)) {
    switch (metric) {
      case "auto":
      case "val-translation-error":
        return -m.valTranslationError;
      case "val-label-preservation":
        return m.valLabelPreservation;
      default:
        return NaN;
    }
  }
  if (isImageMetrics(m)) {
    switch (metric) {
      case "auto":
      case "fid":
        return -m.fid;
      case "inception-score":
        return m.inceptionScore;
      case "class-tvd":
        return -m.classTvd;
      case "val-accuracy":
        return m.valAccuracy ?? NaN;
      default:
        return NaN;
    }
  }
  switch (metric) {
    case "auto":
    case "mmd":
      return -(m.mmd ?? NaN);
    case "toy-score":
      return toyScore(m);
    case "modes":
      return m.modes;
    case "high-quality":
      return m.highQuality;
    case "reverse-kl":
      return -m.reverseKL;
    default:
      return NaN;
  }
}
