// The comparison table's columns, shared by the text and HTML reports. Which metric columns
// appear depends on the runs: toy columns (modes, HQ %, rKL) when a toy run is in the report,
// image columns (FID, IS, TVD) and the task (dataset, model) when an image run is, translation
// columns (a CycleGAN's errors, labels kept, FID per domain) and the task when a CycleGAN run is;
// a run shows "-" under the columns of another kind. The commit column appears when a run knows its commit.
import { isImagePoint, isToyPoint, isTranslationPoint } from "./eval-points.ts";
import type { RunSummary } from "./summarize.ts";
import { type Align, displayName, fixed, percent } from "./text-cells.ts";

export interface SummaryColumn {
  readonly header: string;
  readonly align: Align;
  readonly cell: (s: RunSummary) => string;
}

const col = (header: string, align: Align, cell: (s: RunSummary) => string): SummaryColumn => ({ header, align, cell });

const toyEval = (s: RunSummary) => (isToyPoint(s.finalEval) ? s.finalEval : null);
const imageEval = (s: RunSummary) => (isImagePoint(s.finalEval) ? s.finalEval : null);
const translationEval = (s: RunSummary) => (isTranslationPoint(s.finalEval) ? s.finalEval : null);

const winShares = (s: RunSummary): string => s.mutationWins.map((w) => `${displayName(w.mutation)} ${percent(w.share)}`).join(" ");

const LEAD: readonly SummaryColumn[] = [
  col("run", "left", (s) => displayName(s.name)),
  col("status", "left", (s) => s.status),
];

/** A commit as `git log --oneline` shortens it, "-dirty" when tracked files differed from it (as `git describe --dirty`). */
export const shortCommit = (s: RunSummary): string => (s.commit === null ? "-" : `${s.commit.slice(0, 7)}${s.dirty ? "-dirty" : ""}`);

/** Shown when any run knows its commit (runs from before stamps do not). */
const COMMIT: readonly SummaryColumn[] = [col("commit", "left", shortCommit)];

const TASK: readonly SummaryColumn[] = [
  col("dataset", "left", (s) => displayName(s.dataset ?? "-")),
  col("model", "left", (s) => displayName(s.model)),
];

const PROGRESS: readonly SummaryColumn[] = [
  col("iterations", "right", (s) => `${s.iterations}/${s.plannedIterations}`),
  col("it/s", "right", (s) => fixed(s.itersPerSec, 2)),
];

const TOY: readonly SummaryColumn[] = [
  col("modes", "right", (s) => {
    const e = toyEval(s);
    return e === null ? "-" : `${e.modes}/${e.totalModes}`;
  }),
  col("HQ %", "right", (s) => {
    const e = toyEval(s);
    return fixed(e === null ? null : e.highQuality * 100, 1);
  }),
  col("rKL", "right", (s) => fixed(toyEval(s)?.reverseKL, 3)),
  col("MMD²", "right", (s) => fixed(toyEval(s)?.mmd, 4)),
];

const IMAGE: readonly SummaryColumn[] = [
  col("FID", "right", (s) => fixed(imageEval(s)?.fid, 2)),
  col("IS", "right", (s) => fixed(imageEval(s)?.inceptionScore, 2)),
  col("TVD", "right", (s) => fixed(imageEval(s)?.classTvd, 3)),
];

/** A semi-supervised run's classifier (sgan, augbigan): validation and test accuracy. */
const SEMI: readonly SummaryColumn[] = [
  col("val acc %", "right", (s) => fixed(asPercent(imageEval(s)?.valAccuracy), 1)),
  col("test acc %", "right", (s) => fixed(asPercent(imageEval(s)?.testAccuracy), 1)),
];
/** A run whose encoder's reconstructions are measured (augbigan). */
const RECONSTRUCTION: readonly SummaryColumn[] = [col("recon error", "right", (s) => fixed(imageEval(s)?.reconstructionError, 4))];
const asPercent = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * 100);

/** A CycleGAN run: G's (A → B) and F's (B → A) errors and labels kept on test pairs, FID per domain, G's on the validation pairs. */
const TRANSLATION: readonly SummaryColumn[] = [
  col("error", "right", (s) => fixed(translationEval(s)?.translationError, 4)),
  col("labels %", "right", (s) => fixed(asPercent(translationEval(s)?.labelPreservation), 1)),
  col("back error", "right", (s) => fixed(translationEval(s)?.backTranslationError, 4)),
  col("back labels %", "right", (s) => fixed(asPercent(translationEval(s)?.backLabelPreservation), 1)),
  col("FID A", "right", (s) => fixed(translationEval(s)?.fidA, 2)),
  col("FID B", "right", (s) => fixed(translationEval(s)?.fidB, 2)),
  col("val error", "right", (s) => fixed(translationEval(s)?.valTranslationError, 4)),
  col("val labels %", "right", (s) => fixed(asPercent(translationEval(s)?.valLabelPreservation), 1)),
];

const TAIL: readonly SummaryColumn[] = [
  col("best F", "right", (s) => fixed(s.bestF, 3)),
  col("final F", "right", (s) => fixed(s.finalF, 3)),
  col("win shares", "left", winShares),
];

/** The columns for these runs; with no image or translation run they are the toy report's columns, as before image runs. */
export function summaryColumns(summaries: readonly RunSummary[]): SummaryColumn[] {
  const image = summaries.some((s) => s.metricKind === "image");
  const translation = summaries.some((s) => s.metricKind === "translation");
  const toy = (!image && !translation) || summaries.some((s) => s.metricKind === "toy");
  const commit = summaries.some((s) => s.commit !== null);
  const semi = summaries.some((s) => Number.isFinite(imageEval(s)?.valAccuracy ?? NaN));
  const reconstructed = summaries.some((s) => Number.isFinite(imageEval(s)?.reconstructionError ?? NaN));
  return [...LEAD, ...(commit ? COMMIT : []), ...(image || translation ? TASK : []), ...PROGRESS, ...(toy ? TOY : []), ...(image ? IMAGE : []), ...(semi ? SEMI : []), ...(reconstructed ? RECONSTRUCTION : []), ...(translation ? TRANSLATION : []), ...TAIL];
}
