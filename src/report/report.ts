import { expandRunDirs } from "./expand-run-dirs.ts";
import { type ReportFormat, formatReport } from "./format-report.ts";
import { htmlReport } from "./html-report.ts";
import { readLatestPlot } from "./latest-plot.ts";
import { readRun } from "./read-run.ts";
import { summarize } from "./summarize.ts";

export interface ReportOptions {
  readonly format: ReportFormat;
}

/**
 * Reads the runs (in the order given, finished or still going) and formats their comparison.
 * A sweep directory stands for its members.
 */
export async function report(dirs: readonly string[], options: ReportOptions): Promise<string> {
  const { runDirs } = await expandRunDirs(dirs);
  const runs = await Promise.all(runDirs.map(readRun));
  return formatReport(runs.map((run) => summarize(run)), { format: options.format });
}

/** The self-contained HTML page for `dirs` (runs and sweeps, as for `report`), with each run's latest sample picture and each sweep's lineage. */
export async function htmlReportFor(dirs: readonly string[]): Promise<string> {
  const { runDirs, lineage } = await expandRunDirs(dirs);
  const runs = await Promise.all(runDirs.map(readRun));
  const sampleGrids = await Promise.all(runs.map(readLatestPlot));
  return htmlReport(runs.map((run) => summarize(run)), { lineage, sampleGrids });
}
