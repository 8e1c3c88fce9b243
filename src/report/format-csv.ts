// The report as CSV (RFC 4180, CRLF): one row per run, numbers unrounded, an empty field where a
// value is missing or does not apply (toy metrics of an image run and the reverse, the commit of a
// run from before stamps). The columns are the same for every report except the trailing
// "wins <mutation>" ones, one per mutation seen.
import { isImagePoint, isToyPoint } from "./eval-points.ts";
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

function row(s: RunSummary, mutations: readonly string[]): string[] {
  const toy = isToyPoint(s.finalEval) ? s.finalEval : null;
  const image = isImagePoint(s.finalEval) ? s.finalEval : null;
  return [
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
}

export function formatCsv(summaries: readonly RunSummary[]): string {
  const mutations = [...new Set(summaries.flatMap((s) => s.mutationWins.map((w) => w.mutation)))].sort();
  const header = [...HEADER, ...mutations.map((m) => `wins ${m}`)];
  return [header, ...summaries.map((s) => row(s, mutations))].map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
}
