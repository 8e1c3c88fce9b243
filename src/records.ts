// What a run leaves in its directory. The worker produces these records, the orchestrator
// appends them to `events.jsonl` (one JSON object per line), and `evogan report` reads them
// back. Nothing else is needed to compare runs, finished or still going.
//
//   runs/<name>/config.json      the fully resolved config
//   runs/<name>/run.json         RunInfo (rewritten when the status changes)
//   runs/<name>/events.jsonl     IterationRecord | EvalRecord | EndRecord, in order
//   runs/<name>/checkpoints/     msgpackr checkpoints (checksummed)
//   runs/<name>/samples/         PNG scatter plots, one per evaluation

import type { OwnerStamp } from "./liveness.ts";

/** One child of one E-GAN iteration: F = Fq + γ·Fd (higher is better; NaN is never selected). */
export interface ChildRecord {
  readonly mutation: string;
  /** Index of the parent this child was made from (0..μ-1). */
  readonly parent: number;
  /** Fq = mean D(G(z)) over the evaluation batch. */
  readonly Fq: number;
  /** Fd = −log ‖∇_θD L_D‖₂. */
  readonly Fd: number;
  readonly F: number;
}

export interface IterationRecord {
  readonly type: "iteration";
  /** 1-based iteration number. */
  readonly it: number;
  readonly children: readonly ChildRecord[];
  /** Indices into `children` of the survivors, best first. */
  readonly survivors: readonly number[];
  /** D's cross-entropy loss at its last step of this iteration. */
  readonly dLoss: number;
  /** Wall-clock milliseconds of training since the run started (excluding evaluations). */
  readonly elapsedMs: number;
}

/** VEEGAN/PacGAN toy metrics on `samples` generator samples. */
export interface ToyMetrics {
  readonly samples: number;
  /** Modes that are the nearest centre of at least one high-quality sample. */
  readonly modes: number;
  readonly totalModes: number;
  /** Fraction (0..1) of samples within 3σ of their nearest centre. */
  readonly highQuality: number;
  /** Σ_k p_k ln(p_k·K) over modes, p_k = share of high-quality samples at mode k. */
  readonly reverseKL: number;
  /** MMD² between the samples and the known mixture (src/metrics/mixture-mmd.ts); lower is better. Absent in runs from before it. */
  readonly mmd?: number;
}

/**
 * Image metrics from the evaluation classifier (src/metrics/classifier): FID on its penultimate
 * features against the training set, the Inception-style score exp(E KL(p(y|x) ‖ p(y))), and the
 * total variation distance between the predicted class frequencies and the uniform ones.
 */
export interface ImageMetrics {
  readonly samples: number;
  readonly fid: number;
  readonly inceptionScore: number;
  readonly classTvd: number;
}

export type EvalMetrics = ToyMetrics | ImageMetrics;

export const isImageMetrics = (m: EvalMetrics): m is ImageMetrics => "fid" in m;

export interface EvalRecord {
  readonly type: "eval";
  readonly it: number;
  readonly metrics: EvalMetrics;
  /** Path of the picture (toy scatter plot or image sample grid), relative to the run directory. */
  readonly plot?: string;
  readonly elapsedMs: number;
}

export interface EndRecord {
  readonly type: "end";
  readonly it: number;
  readonly elapsedMs: number;
  readonly itersPerSec: number;
}

export type RunEvent = IterationRecord | EvalRecord | EndRecord;

/** "crashed" is never written: a reader sees it when a "running" run's process is gone (src/liveness.ts). */
export type RunStatus = "running" | "finished" | "interrupted" | "failed" | "crashed";

export interface RunInfo extends OwnerStamp {
  readonly name: string;
  readonly backend: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly seed: number;
  readonly iterations: number;
}
