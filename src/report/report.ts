import { expandRunDirs } from "./expand-run-dirs.ts";
import { type ReportFormat, formatReport } from "./format-report.ts";
import { htmlReport } from "./html-report.ts";
import { readLatestPlot } from "./latest-plot.ts";
import { readRun } from "./read-run.ts";
import { summarize } from "./summarize.ts";

export interface ReportOptions {
  readonly format: ReportFormat;
  /** Told each skipped line of an events.jsonl (default: a line on stderr). */
  readonly warn?: (message: string) => void;
}

const stderrWarning = (message: string) => void process.stderr.write(`evogan: warning: ${message}\n`);

/**
 * Reads the runs (in the order given, finished or still going) and formats their comparison.
 * A sweep directory stands for its members.
 */
export async function report(dirs: readonly string[], options: ReportOptions): Promise<string> {
  const { runDirs } = await expandRunDirs(dirs);
  const runs = await Promise.all(runDirs.map(readRun));
  for (const w of runs.flatMap((r) => r.warnings)) (options.warn ?? stderrWarning)(w);
  return formatReport(runs.map((run) => summarize(run)), { format: options.format });
}

/** The self-contained HTML page for `dirs` (runs and sweeps, as for `report`), with each run's latest sample picture and each sweep's lineage. */
export async function htmlReportFor(dirs: readonly string[], warn: (message: string) => void = stderrWarning): Promise<string> {
  const { runDirs, lineage } = await expandRunDirs(dirs);
  const runs = await Promise.all(runDirs.map(readRun));
  for (const w of runs.flatMap((r) => r.warnings)) warn(w);
  const sampleGrids = await Promise.all(runs.map(readLatestPlot));
  return htmlReport(runs.map((run) => summarize(run)), { lineage, sampleGrids });
}
