import type { RunSummary } from "./summarize.ts";
import { type ChartSeries, lineChart } from "./terminal-chart.ts";

export type ReportFormat = "text" | "json" | "csv";

export interface FormatOptions {
  readonly format: ReportFormat;
}

type Align = "left" | "right";

/**
 * Names come from run directories and event files; a newline or an escape sequence in one would
 * break the table or drive the terminal, so control characters are shown as JSON escapes.
 */
export function displayName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => JSON.stringify(ch).slice(1, -1));
}

const fixed = (v: number | null, digits: number): string => (v === null || !Number.isFinite(v) ? "-" : v.toFixed(digits));

const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(rows: readonly (readonly string[])[], align: readonly Align[]): string[] {
  const widths = align.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((row) =>
    align
      .map((a, c) => ((a === "right" ? (row[c] ?? "").padStart(widths[c]) : (row[c] ?? "").padEnd(widths[c]))))
      .join("  ")
      .trimEnd(),
  );
}

function winSharesText(s: RunSummary): string {
  return s.mutationWins.map((w) => `${displayName(w.mutation)} ${percent(w.share)}`).join(" ");
}

/** The comparison table's columns (text and HTML reports). */
export const SUMMARY_HEADER = ["run", "status", "iterations", "it/s", "modes", "HQ %", "rKL", "best F", "final F", "win shares"] as const;

/** One run's cells of the comparison table, under SUMMARY_HEADER. */
export function summaryCells(s: RunSummary): string[] {
  return [
    displayName(s.name),
    s.status,
    `${s.iterations}/${s.plannedIterations}`,
    fixed(s.itersPerSec, 2),
    s.finalEval === null ? "-" : `${s.finalEval.modes}/${s.finalEval.totalModes}`,
    fixed(s.finalEval === null ? null : s.finalEval.highQuality * 100, 1),
    fixed(s.finalEval?.reverseKL ?? null, 3),
    fixed(s.bestF, 3),
    fixed(s.finalF, 3),
    winSharesText(s),
  ];
}

function summaryTable(summaries: readonly RunSummary[]): string[] {
  const align: Align[] = ["left", "left", "right", "right", "right", "right", "right", "right", "right", "left"];
  return formatTable([[...SUMMARY_HEADER], ...summaries.map(summaryCells)], align);
}

/** One run's mutation-wins-over-time table: a header of iteration windows, a row of shares per mutation. */
export function winsOverTimeTable(s: RunSummary): { header: string[]; rows: string[][] } {
  const header = ["iterations", ...s.winsOverTime.map((w) => (w.fromIt === w.toIt ? `${w.fromIt}` : `${w.fromIt}-${w.toIt}`))];
  const rows = s.mutationWins.map((m) => [displayName(m.mutation), ...s.winsOverTime.map((w) => percent(w.shares[m.mutation] ?? 0))]);
  return { header, rows };
}

function winsOverTimeBlock(s: RunSummary): string[] {
  const title = `mutation wins over time: ${displayName(s.name)} (share of survivor slots per window of iterations)`;
  if (s.winsOverTime.length === 0) return [title, "  (no iterations yet)"];
  const { header, rows } = winsOverTimeTable(s);
  const align: Align[] = ["left", ...s.winsOverTime.map((): Align => "right")];
  return [title, ...formatTable([header, ...rows], align).map((l) => `  ${l}`)];
}

function chart(title: string, summaries: readonly RunSummary[], points: (s: RunSummary) => ChartSeries["points"]): string {
  const series = summaries.map((s) => ({ name: displayName(s.name), points: points(s) }));
  return lineChart(series, { title, xLabel: "iteration" });
}

function formatText(summaries: readonly RunSummary[]): string {
  const sections = [
    summaryTable(summaries).join("\n"),
    ...summaries.map((s) => winsOverTimeBlock(s).join("\n")),
    chart("best survivor F vs iteration", summaries, (s) => s.curves.bestF),
    chart("modes covered vs iteration", summaries, (s) => s.curves.evals.map((e) => [e.it, e.modes])),
    chart("high-quality samples % vs iteration", summaries, (s) => s.curves.evals.map((e) => [e.it, e.highQuality * 100])),
    chart("D loss vs iteration", summaries, (s) => s.curves.dLoss),
  ];
  return `${sections.join("\n\n")}\n`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const csvNumber = (v: number | null): string => (v === null || !Number.isFinite(v) ? "" : String(v));

function formatCsv(summaries: readonly RunSummary[]): string {
  const mutations = [...new Set(summaries.flatMap((s) => s.mutationWins.map((w) => w.mutation)))].sort();
  const header = [
    "run", "backend", "status", "iterations", "planned iterations", "it/s", "modes", "total modes",
    "high quality", "reverse KL", "best F", "best F it", "final F",
    ...mutations.map((m) => `wins ${m}`),
  ];
  const rows = summaries.map((s) => [
    s.name,
    s.backend,
    s.status,
    String(s.iterations),
    String(s.plannedIterations),
    csvNumber(s.itersPerSec),
    csvNumber(s.finalEval?.modes ?? null),
    csvNumber(s.finalEval?.totalModes ?? null),
    csvNumber(s.finalEval?.highQuality ?? null),
    csvNumber(s.finalEval?.reverseKL ?? null),
    csvNumber(s.bestF),
    csvNumber(s.bestFIt),
    csvNumber(s.finalF),
    ...mutations.map((m) => csvNumber(s.mutationWins.find((w) => w.mutation === m)?.share ?? 0)),
  ]);
  return [header, ...rows].map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
}

/** The report in the chosen format; it ends with a line break (CRLF for CSV), so write it as is. */
export function formatReport(summaries: readonly RunSummary[], options: FormatOptions): string {
  switch (options.format) {
    case "text":
      return formatText(summaries);
    case "json":
      return `${JSON.stringify(summaries, null, 2)}\n`;
    case "csv":
      return formatCsv(summaries);
  }
}
