// The text report's charts, in order: best F, then the metric curves of the kinds present
// (toy: modes and HQ % vs iteration; image: FID, IS and TVD vs iteration and vs wall time;
// translation: G's error and labels kept on test and validation pairs, vs iteration and vs wall
// time), then D's loss. Every run is a series of every chart, so a run keeps its glyph across charts.
import { type EvalPoint, type ImageEvalPoint, type ToyEvalPoint, type TranslationEvalPoint, isImagePoint, isToyPoint, isTranslationPoint } from "./eval-points.ts";
import type { RunSummary } from "./summarize.ts";
import type { ChartPoint } from "./terminal-chart.ts";

export interface ReportCurve {
  readonly title: string;
  readonly xLabel: string;
  readonly points: (s: RunSummary) => readonly ChartPoint[];
}

const byIteration = (e: EvalPoint): number => e.it;
const byWallTime = (e: EvalPoint): number => e.elapsedMs / 1000;

const toyCurve = (title: string, y: (e: ToyEvalPoint) => number): ReportCurve => ({
  title: `${title} vs iteration`,
  xLabel: "iteration",
  points: (s) => s.curves.evals.filter(isToyPoint).map((e) => [e.it, y(e)]),
});

/** One metric of the points `is` picks, against iteration and against wall time. */
function pairedCurves<P extends EvalPoint>(is: (e: EvalPoint) => e is P, title: string, y: (e: P) => number): ReportCurve[] {
  const along = (x: (e: EvalPoint) => number, xName: string, xLabel: string): ReportCurve => ({
    title: `${title} vs ${xName}`,
    xLabel,
    points: (s) => s.curves.evals.filter(is).map((e) => [x(e), y(e)]),
  });
  return [along(byIteration, "iteration", "iteration"), along(byWallTime, "wall time", "wall time (s)")];
}

const imageCurves = (title: string, y: (e: ImageEvalPoint) => number): ReportCurve[] => pairedCurves(isImagePoint, title, y);
const translationCurves = (title: string, y: (e: TranslationEvalPoint) => number): ReportCurve[] => pairedCurves(isTranslationPoint, title, y);

const BEST_F: ReportCurve = { title: "best survivor F vs iteration", xLabel: "iteration", points: (s) => s.curves.bestF };
const D_LOSS: ReportCurve = { title: "D loss vs iteration", xLabel: "iteration", points: (s) => s.curves.dLoss };

const TOY: readonly ReportCurve[] = [toyCurve("modes covered", (e) => e.modes), toyCurve("high-quality samples %", (e) => e.highQuality * 100)];

const IMAGE: readonly ReportCurve[] = [
  ...imageCurves("FID", (e) => e.fid),
  ...imageCurves("inception score", (e) => e.inceptionScore),
  ...imageCurves("class TVD", (e) => e.classTvd),
];

/** A semi-supervised run's classifier (sgan, augbigan). */
const SEMI: readonly ReportCurve[] = [...imageCurves("validation accuracy %", (e) => e.valAccuracy * 100), ...imageCurves("test accuracy %", (e) => e.testAccuracy * 100)];

/** A run with an encoder whose reconstructions are measured (augbigan). */
const RECONSTRUCTION: readonly ReportCurve[] = imageCurves("reconstruction error", (e) => e.reconstructionError);

/** A CycleGAN run (translation error on the [0, 1] scale; labels kept through T⁻¹). */
const TRANSLATION: readonly ReportCurve[] = [
  ...translationCurves("translation error", (e) => e.translationError),
  ...translationCurves("labels kept %", (e) => e.labelPreservation * 100),
  ...translationCurves("validation labels kept %", (e) => e.valLabelPreservation * 100),
  // Measured with or without a known answer (MNIST ↔ Fashion-MNIST has only these).
  ...translationCurves("cycle error A", (e) => e.cycleErrorA),
  ...translationCurves("FID B", (e) => e.fidB),
];

/** The charts for these runs; with no image or translation run, the toy report's four, as before image runs. */
export function reportCurves(summaries: readonly RunSummary[]): ReportCurve[] {
  const image = summaries.some((s) => s.metricKind === "image");
  const translation = summaries.some((s) => s.metricKind === "translation");
  const toy = (!image && !translation) || summaries.some((s) => s.metricKind === "toy");
  const semi = summaries.some((s) => s.curves.evals.some((e) => isImagePoint(e) && Number.isFinite(e.valAccuracy)));
  const reconstructed = summaries.some((s) => s.curves.evals.some((e) => isImagePoint(e) && Number.isFinite(e.reconstructionError)));
  return [BEST_F, ...(toy ? TOY : []), ...(image ? IMAGE : []), ...(semi ? SEMI : []), ...(reconstructed ? RECONSTRUCTION : []), ...(translation ? TRANSLATION : []), D_LOSS];
}
