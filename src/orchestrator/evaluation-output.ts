// What the orchestrator makes of a worker's evaluation: where its picture goes (the worker
// renders it: src/worker/egan-worker.ts) and its one-line summary.
import { isImageMetrics, isTranslationMetrics, type EvalMetrics } from "../records.ts";

export function samplesPath(it: number): string {
  return `samples/it-${String(it).padStart(6, "0")}.png`;
}

export function metricsSummary(m: EvalMetrics): string {
  if (isTranslationMetrics(m)) {
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    // Without a known answer (domain B another dataset) only the cycle and the FIDs are measured.
    if (Number.isNaN(m.translationError)) return `cycle ${m.cycleErrorA.toFixed(4)} / ${m.cycleErrorB.toFixed(4)}  FID A ${m.fidA.toFixed(2)} B ${m.fidB.toFixed(2)}`;
    return `translation error ${m.translationError.toFixed(4)}  labels kept ${pct(m.labelPreservation)}  back ${m.backTranslationError.toFixed(4)} / ${pct(m.backLabelPreservation)}  cycle ${m.cycleErrorA.toFixed(4)} / ${m.cycleErrorB.toFixed(4)}  FID A ${m.fidA.toFixed(2)} B ${m.fidB.toFixed(2)}  val error ${m.valTranslationError.toFixed(4)}  val labels kept ${pct(m.valLabelPreservation)}`;
  }
  if (isImageMetrics(m)) {
    const semi = m.valAccuracy === undefined || m.testAccuracy === undefined ? "" : `  val acc ${(100 * m.valAccuracy).toFixed(1)}%  test acc ${(100 * m.testAccuracy).toFixed(1)}%`;
    const recon = m.reconstructionError === undefined ? "" : `  reconstruction error ${m.reconstructionError.toFixed(4)}`;
    return `FID ${m.fid.toFixed(2)}  IS ${m.inceptionScore.toFixed(2)}  TVD ${m.classTvd.toFixed(3)}${semi}${recon}`;
  }
  return `modes ${m.modes}/${m.totalModes}  high-quality ${(100 * m.highQuality).toFixed(1)}%  reverse KL ${m.reverseKL.toFixed(3)}${m.mmd === undefined ? "" : `  MMD² ${m.mmd.toFixed(4)}`}`;
}
