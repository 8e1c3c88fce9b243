// The report as CSV (RFC 4180, CRLF): one row per run, numbers unrounded, an empty field where a
// value is missing or does not apply (toy metrics of an image run and the reverse, the commit of a
// run from before stamps). The columns are the same for every report except the trailing
// "wins <mutation>" ones, one per mutation seen, and the translation metrics' columns (after
// "test accuracy"), which appear when a CycleGAN run is in the report, and "reconstruction error"
// (after those), when an augmented BiGAN run is.
import { isImagePoint, isToyPoint, isTranslationPoint, type TranslationEvalPoint } from "./eval-points.ts";
import type { RunSummary } from "./summarize.ts";

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const csvNumber = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? "" : String(v));

const HEADER = [
  "run", "backend", "dataset", "model", "status", "iterations", "planned iterations", "it/s",
  "modes", "total modes", "high quality", "reverse KL", "MMD2", "FID", "inception score", "class TVD",
  "val accuracy", "test accuracy", "best F", "best F it", "final F", "commit", "dirty",
] as const;

/** A CycleGAN run's columns and their fields, inserted after "test accuracy". */
const TRANSLATION: readonly (readonly [string, keyof Omit<TranslationEvalPoint, "kind" | "it" | "elapsedMs">])[] = [
  ["translation error", "translationError"],
  ["back translation error", "backTranslationError"],
  ["cycle error A", "cycleErrorA"],
  ["cycle error B", "cycleErrorB"],
  ["label preservation", "labelPreservation"],
  ["back label preservation", "backLabelPreservation"],
  ["FID A", "fidA"],
  ["FID B", "fidB"],
  ["val translation error", "valTranslationError"],
  ["val label preservation", "valLabelPreservation"],
];

/** Columns that appear only when some run in the report has them: their headers and a run's fields. */
interface OptionalColumns {
  readonly present: (summaries: readonly RunSummary[]) => boolean;
  readonly headers: readonly string[];
  readonly cells: (s: RunSummary) => string[];
}

/** The optional column groups, in their order, all inserted after "test accuracy". */
const OPTIONAL: readonly OptionalColumns[] = [
  {
    present: (summaries) => summaries.some((s) => s.metricKind === "translation"),
    headers: TRANSLATION.map(([h]) => h),
    cells: (s) => TRANSLATION.map(([, k]) => csvNumber(isTranslationPoint(s.finalEval) ? s.finalEval[k] : null)),
  },
  {
    present: (summaries) => summaries.some((s) => isImagePoint(s.finalEval) && Number.isFinite(s.finalEval.reconstructionError)),
    headers: ["reconstruction error"],
    cells: (s) => [csvNumber(isImagePoint(s.finalEval) ? s.finalEval.reconstructionError : null)],
  },
];
const AFTER_ACCURACY = HEADER.indexOf("test accuracy") + 1;

function row(s: RunSummary, mutations: readonly string[], optional: readonly OptionalColumns[]): string[] {
  const toy = isToyPoint(s.finalEval) ? s.finalEval : null;
  const image = isImagePoint(s.finalEval) ? s.finalEval : null;
  const cells = [
    s.name,
    s.backend,
    s.dataset ?? "",
    s.model,
    s.status,
    String(s.iterations),
    String(s.plannedIterations),
    csvNumber(s.itersPerSec),
    csvNumber(toy?.modes),
    csvNumber(toy?.totalModes),
    csvNumber(toy?.highQuality),
    csvNumber(toy?.reverseKL),
    csvNumber(toy?.mmd),
    csvNumber(image?.fid),
    csvNumber(image?.inceptionScore),
    csvNumber(image?.classTvd),
    csvNumber(image?.valAccuracy),
    csvNumber(image?.testAccuracy),
    csvNumber(s.bestF),
    csvNumber(s.bestFIt),
    csvNumber(s.finalF),
    s.commit ?? "",
    s.dirty === null ? "" : String(s.dirty),
    ...mutations.map((m) => csvNumber(s.mutationWins.find((w) => w.mutation === m)?.share ?? 0)),
  ];
  cells.splice(AFTER_ACCURACY, 0, ...optional.flatMap((c) => c.cells(s)));
  return cells;
}

export function formatCsv(summaries: readonly RunSummary[]): string {
  const mutations = [...new Set(summaries.flatMap((s) => s.mutationWins.map((w) => w.mutation)))].sort();
  const optional = OPTIONAL.filter((c) => c.present(summaries));
  const header: string[] = [...HEADER, ...mutations.map((m) => `wins ${m}`)];
  header.splice(AFTER_ACCURACY, 0, ...optional.flatMap((c) => c.headers));
  return [header, ...summaries.map((s) => row(s, mutations, optional))].map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
}
