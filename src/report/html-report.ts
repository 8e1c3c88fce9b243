// `evogan report --html`: one self-contained HTML file. Nothing in it is fetched: the styles and
// the chart script are inline, the sample pictures (toy scatter plots, image sample grids) are
// data: URIs, and a Content-Security-Policy (default-src 'none', the script allowed by its hash)
// makes the browser refuse anything else.
// The runs travel as JSON in <script type="application/json" id="evogan-data">, escaped so that
// no string in it can close the element; everything rendered server-side goes through escapeHtml.
import { createHash } from "node:crypto";
import { escapeHtml, jsonForScript } from "./escape-html.ts";
import { HTML_REPORT_SCRIPT, colourOf } from "./html-report-script.ts";
import { HTML_REPORT_STYLE } from "./html-report-style.ts";
import type { SampleGrid } from "./latest-plot.ts";
import { lineageHtml } from "./lineage-html.ts";
import type { RunSummary } from "./summarize.ts";
import { summaryColumns } from "./summary-columns.ts";
import type { SweepLineage } from "./sweep-lineage.ts";
import { displayName } from "./text-cells.ts";
import { hasMutationChoice, winsOverTimeTable } from "./wins-over-time-table.ts";

export interface HtmlReportExtras {
  /** PBT lineage of each sweep in the report. */
  readonly lineage?: readonly SweepLineage[];
  /** The latest picture (scatter plot or sample grid) of each run, by index into the summaries; undefined where a run has none. */
  readonly sampleGrids?: readonly (SampleGrid | undefined)[];
}

/** What the page's script reads from the evogan-data block. */
export interface HtmlReportData {
  readonly runs: readonly RunSummary[];
  readonly lineage: readonly SweepLineage[];
}

const cell = (tag: "td" | "th", text: string, right: boolean): string => `<${tag}${right ? ' class="num"' : ""}>${escapeHtml(text)}</${tag}>`;

const swatch = (index: number): string => `<span class="swatch" style="background:${colourOf(index)}"></span>`;

function comparisonTable(summaries: readonly RunSummary[]): string {
  const [first, ...rest] = summaryColumns(summaries);
  const head = [first, ...rest].map((c) => cell("th", c.header, c.align === "right")).join("");
  const rows = summaries.map((s, i) => {
    const restCells = rest.map((c) => cell("td", c.cell(s), c.align === "right"));
    return `<tr><td>${swatch(i)}${escapeHtml(first.cell(s))}</td>${restCells.join("")}</tr>`;
  });
  return `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A run's wins: a chart slot the script fills (data-wins-run is the run's index) and the table. */
function winsOverTime(s: RunSummary, index: number): string {
  const title = `<h3>${swatch(index)}${escapeHtml(displayName(s.name))}</h3>`;
  if (s.winsOverTime.length === 0) return `${title}<p class="muted">no iterations yet</p>`;
  if (!hasMutationChoice(s)) return `${title}<p class="muted">one mutation (${escapeHtml(displayName(s.mutationWins[0]?.mutation ?? "?"))}): no choice to chart</p>`;
  const { header, rows } = winsOverTimeTable(s);
  const head = header.map((h, k) => cell("th", h, k > 0)).join("");
  const body = rows.map((r) => `<tr>${r.map((c, k) => cell("td", c, k > 0)).join("")}</tr>`).join("");
  return `${title}<div class="wins-chart" data-wins-run="${index}"></div><div class="scroll"><table class="wins"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function samples(summaries: readonly RunSummary[], grids: readonly (SampleGrid | undefined)[]): string {
  const figures = summaries.flatMap((s, i) => {
    const grid = grids[i];
    if (grid === undefined) return [];
    const name = escapeHtml(displayName(s.name));
    const src = `data:image/png;base64,${Buffer.from(grid.png).toString("base64")}`;
    return [`<figure class="sample ${s.metricKind}"><img alt="samples of ${name} at iteration ${grid.it}" src="${src}"><figcaption>${swatch(i)}${name} · iteration ${grid.it}</figcaption></figure>`];
  });
  return figures.length === 0 ? `<p class="muted">No sample pictures found.</p>` : `<div class="samples">${figures.join("")}</div>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${title}</h2>\n${body}\n</section>`;
}

/** sha256 source expression for a Content-Security-Policy. */
const cspHash = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export const contentSecurityPolicy = (script: string): string =>
  `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src ${cspHash(script)}; base-uri 'none'; form-action 'none'`;

/** The whole page. The same input gives the same bytes (no timestamps). */
export function htmlReport(summaries: readonly RunSummary[], extras: HtmlReportExtras = {}): string {
  const lineage = extras.lineage ?? [];
  const data: HtmlReportData = { runs: summaries, lineage };
  const count = `${summaries.length} run${summaries.length === 1 ? "" : "s"}`;
  const sections = [
    section("comparison", "Comparison", comparisonTable(summaries)),
    section(
      "curves",
      "Curves",
      `<p class="muted">Click a run to hide or show its curves; hover over a curve for its values.</p>\n<div id="legend" class="legend"></div>\n<div id="charts" class="charts"></div>\n<noscript><p>The charts need JavaScript.</p></noscript>`,
    ),
    section("wins", "Mutation wins over time", `<p class="muted">Share of survivor slots per window of iterations; click a mutation to hide or show it.</p>\n${summaries.map(winsOverTime).join("\n")}`),
    section("samples", "Latest samples", samples(summaries, extras.sampleGrids ?? [])),
    ...(lineage.length === 0 ? [] : [section("lineage", "PBT lineage", lineage.map(lineageHtml).join("\n"))]),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(HTML_REPORT_SCRIPT)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evogan report (${count})</title>
<style>${HTML_REPORT_STYLE}</style>
</head>
<body>
<header><h1>evogan report</h1><p class="muted">${count}</p></header>
<main>
${sections.join("\n")}
</main>
<script type="application/json" id="evogan-data">${jsonForScript(data)}</script>
<script>${HTML_REPORT_SCRIPT}</script>
</body>
</html>
`;
}
