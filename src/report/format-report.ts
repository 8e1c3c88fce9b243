// `evogan report` as text (aligned table, mutation wins per window, ASCII charts), JSON (the
// summaries as they are) or CSV (see format-csv.ts).
import { formatCsv } from "./format-csv.ts";
import { reportCurves } from "./report-curves.ts";
import type { RunSummary } from "./summarize.ts";
import { summaryColumns } from "./summary-columns.ts";
import { lineChart } from "./terminal-chart.ts";
import { type Align, displayName, formatTable } from "./text-cells.ts";
import { hasMutationChoice, winsOverTimeTable } from "./wins-over-time-table.ts";

export type ReportFormat = "text" | "json" | "csv";

export interface FormatOptions {
  readonly format: ReportFormat;
}

function summaryTable(summaries: readonly RunSummary[]): string[] {
  const columns = summaryColumns(summaries);
  const rows = [columns.map((c) => c.header), ...summaries.map((s) => columns.map((c) => c.cell(s)))];
  return formatTable(rows, columns.map((c) => c.align));
}

function winsOverTimeBlock(s: RunSummary): string[] {
  const title = `mutation wins over time: ${displayName(s.name)} (share of survivor slots per window of iterations)`;
  const { header, rows } = winsOverTimeTable(s);
  const align: Align[] = ["left", ...s.winsOverTime.map((): Align => "right")];
  return [title, ...formatTable([header, ...rows], align).map((l) => `  ${l}`)];
}

function formatText(summaries: readonly RunSummary[]): string {
  const charts = reportCurves(summaries).map((curve) =>
    lineChart(summaries.map((s) => ({ name: displayName(s.name), points: curve.points(s) })), { title: curve.title, xLabel: curve.xLabel }),
  );
  const sections = [
    summaryTable(summaries).join("\n"),
    ...summaries.filter(hasMutationChoice).map((s) => winsOverTimeBlock(s).join("\n")),
    ...charts,
  ];
  return `${sections.join("\n\n")}\n`;
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
