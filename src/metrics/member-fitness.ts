// A sweep member's fitness: one evaluation metric, chosen in the sweep config, turned into a
// number where higher is better (FID and TVD are negated). It is computed from the metrics the
// worker already returned, so it never depends on the member's own discriminator and members of
// different architectures compare fairly. A metric that does not apply to the member's data
// (FID on a toy run) is NaN, which ranks the member last. On toy data `auto` is −MMD² to the
// mixture: the toy score (modes/K + HQ − rKL/ln K) rewards a generator smeared over the whole
// square, and a PBT sweep ranked by it found exactly that (25/25 modes at 9% high quality).
import { isImageMetrics, type EvalMetrics } from "../records.ts";
import { toyScore } from "./toy-score.ts";

export const FITNESS_METRICS = ["auto", "mmd", "toy-score", "modes", "high-quality", "reverse-kl", "fid", "inception-score", "class-tvd"] as const;
export type FitnessMetric = (typeof FITNESS_METRICS)[number];

/** Which data a metric is measured on (`memberFitness` is NaN on the other); the sweep config refuses a mismatch. */
export const METRIC_DATA: Readonly<Record<FitnessMetric, "toy" | "image" | "any">> = {
  auto: "any",
  mmd: "toy",
  "toy-score": "toy",
  modes: "toy",
  "high-quality": "toy",
  "reverse-kl": "toy",
  fid: "image",
  "inception-score": "image",
  "class-tvd": "image",
};

/** The metric's value with its sign chosen so that higher is better. */
export function memberFitness(metric: FitnessMetric, m: EvalMetrics): number {
  if (isImageMetrics(m)) {
    switch (metric) {
      case "auto":
      case "fid":
        return -m.fid;
      case "inception-score":
        return m.inceptionScore;
      case "class-tvd":
        return -m.classTvd;
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
