import { type ReportFormat, formatReport } from "./format-report.ts";
import { readRun } from "./read-run.ts";
import { summarize } from "./summarize.ts";

export interface ReportOptions {
  readonly format: ReportFormat;
}

/** Reads the runs (in the order given, finished or still going) and formats their comparison. */
export async function report(runDirs: readonly string[], options: ReportOptions): Promise<string> {
  const runs = await Promise.all(runDirs.map(readRun));
  return formatReport(runs.map((run) => summarize(run)), { format: options.format });
}
