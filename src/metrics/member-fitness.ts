// A sweep member's fitness: one evaluation metric, chosen in the sweep config, turned into a
// number where higher is better (FID and TVD are negated). It is computed from the metrics the
// worker already returned, so it never depends on the member's own discriminator and members of
// different architectures compare fairly. A metric that does not apply to the member's data
// (FID on a toy run) is NaN, which ranks the member last.
import { isImageMetrics, type EvalMetrics } from "../records.ts";
import { toyScore } from "./toy-score.ts";

export const FITNESS_METRICS = ["auto", "toy-score", "modes", "high-quality", "reverse-kl", "fid", "inception-score", "class-tvd"] as const;
export type FitnessMetric = (typeof FITNESS_METRICS)[number];

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
