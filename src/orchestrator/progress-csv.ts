// progress.csv: the evaluations of a run (or of a sweep member) as one flat table, one row per
// eval record, appended as the run goes, so that `pandas.read_csv(dir + "/progress.csv")` reads
// it with no arguments (Ray Tune gives every trial the same file). events.jsonl stays the record;
// this is a view of its eval records that a spreadsheet or pandas needs no help with.
//
//   iteration, elapsedSeconds, <metrics of the task kind>, config/<hyperparameter>...
//
// - `elapsedSeconds` is the eval record's `elapsedMs` / 1000: training wall-clock time since the
//   run started (evaluations excluded), continued across resumes; a sweep member's, its trainer's.
// - The metric columns are the fields of the kind's schema in src/records.ts, in their order (toy:
//   samples, modes, totalModes, highQuality, reverseKL, mmd; image: samples, fid, inceptionScore,
//   classTvd, and for sgan and augbigan valAccuracy, testAccuracy (augbigan: reconstructionError); translation: samples, translationError, ..., valLabelPreservation), so a metric
//   added there becomes a column of new runs by itself.
// - A sweep member has one `config/<dot-path>` column per hyperparameter of the sweep's space: the
//   values it trained the segment before that evaluation with (after an exploit, the new ones).
// - The header is written with the first row and never changes: later rows follow the header the
//   file has, so an append cannot shift a column.
// - A missing or non-finite number is an empty cell: pandas reads it as NaN and keeps the column
//   float (events.jsonl writes the same values as null).
//
// Resume cuts the file back with events.jsonl (`truncateProgress`): rows past the checkpoint's
// iteration go, and so does a last line that a kill cut short.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Hypers } from "../../strategies/search-space.ts";
import { imageMetricsSchema, isImageMetrics, isTranslationMetrics, toyMetricsSchema, translationMetricsSchema, type EvalMetrics, type EvalRecord, type RunEvent } from "../records.ts";
import { appendLines, writeFileAtomic } from "./checkpoint-file.ts";

export const PROGRESS_CSV = "progress.csv";

/** The first two columns; then the metrics, then a sweep member's hyperparameters. */
const ITERATION = "iteration";
const ELAPSED = "elapsedSeconds";
/** Ray Tune's prefix for a trial's hyperparameters: `config/trainer.g.lr`. */
const HYPER_PREFIX = "config/";

/** The columns of a run whose first evaluation gave `metrics` (its task kind), with a sweep member's hyperparameters (sorted by name). */
export function progressColumns(metrics: EvalMetrics, hypers?: Hypers): string[] {
  // An image run has its classifier's accuracy columns only when it has a classifier (sgan, augbigan), a reconstruction error only when it has an encoder that is measured (augbigan).
  const metricColumns = isImageMetrics(metrics)
    ? Object.keys(imageMetricsSchema.fields).filter((k) => k in metrics)
    : Object.keys(isTranslationMetrics(metrics) ? translationMetricsSchema.fields : toyMetricsSchema.fields);
  return [ITERATION, ELAPSED, ...metricColumns, ...Object.keys(hypers ?? {}).sort().map((k) => HYPER_PREFIX + k)];
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const quoted = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/**
 * A finite number in the shortest text that reads back exactly, with an exponent where Python's
 * repr has one (below 1e-4, from 1e16): pandas' default float parser, fast rather than exact,
 * then stays within ~1e-12 of the value (measured), where a long 0.00000ddd... costs it up to
 * 1e-10. `float_precision="round_trip"` reads every value exactly.
 */
export function csvNumber(value: number): string {
  if (!Number.isFinite(value)) return "";
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e16) ? value.toExponential() : String(value);
}

/** One cell: a number (csvNumber), text quoted where it must be, a list as JSON, nothing for a missing value. */
export function csvCell(value: unknown): string {
  if (typeof value === "number") return csvNumber(value);
  if (typeof value === "string") return quoted(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return quoted(JSON.stringify(value));
  return "";
}

/** The row of one eval record under `columns` (a column the record has nothing for is empty). */
export function progressRow(columns: readonly string[], record: EvalRecord, hypers?: Hypers): string {
  const metrics = record.metrics as Readonly<Record<string, unknown>>;
  const value = (c: string): unknown => {
    if (c === ITERATION) return record.it;
    if (c === ELAPSED) return record.elapsedMs / 1000;
    if (c.startsWith(HYPER_PREFIX)) return hypers?.[c.slice(HYPER_PREFIX.length)];
    return metrics[c];
  };
  return columns.map((c) => csvCell(value(c))).join(",");
}

/**
 * The complete records of a CSV text, split into fields (quotes honoured, a line break inside
 * quotes is part of its field); text after the last complete record (a line a kill cut short) is
 * left out. At most `limit` records (appending needs only the header).
 */
export function csvRecords(text: string, limit = Number.POSITIVE_INFINITY): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      // A doubled quote is a quote; a single one closes the field's quotes.
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else inQuotes = false;
      continue;
    }
    if (ch === '"') inQuotes = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else if (ch === "\n") {
      fields.push(field.endsWith("\r") ? field.slice(0, -1) : field);
      records.push(fields);
      if (records.length >= limit) return records;
      fields = [];
      field = "";
    } else field += ch;
  }
  return records;
}

const readIfThere = (file: string) =>
  readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });

/** Appends a row per eval record among `events` (the header first, when the file has none yet). */
export async function appendProgress(dir: string, events: readonly RunEvent[], hypers?: Hypers): Promise<void> {
  const evals = events.filter((e): e is EvalRecord => e.type === "eval");
  if (evals.length === 0) return;
  const file = join(dir, PROGRESS_CSV);
  const header = csvRecords((await readIfThere(file)) ?? "", 1)[0];
  const columns = header ?? progressColumns(evals[0].metrics, hypers);
  await appendLines(file, [...(header ? [] : [columns.map(quoted).join(",")]), ...evals.map((e) => progressRow(columns, e, hypers))]);
}

/** Cuts progress.csv back to the rows of iterations ≤ maxIt, dropping a torn last line (and the file, when not even its header is whole). */
export async function truncateProgress(dir: string, maxIt: number): Promise<void> {
  const file = join(dir, PROGRESS_CSV);
  const text = await readIfThere(file);
  if (text === undefined) return;
  const [header, ...rows] = csvRecords(text);
  // Without a whole header there is no row either: the next evaluation starts the file again.
  if (header === undefined) return rm(file, { force: true });
  const kept = rows.filter((r) => Number(r[0]) <= maxIt);
  await writeFileAtomic(file, Buffer.from([header, ...kept].map((r) => r.map(quoted).join(",") + "\n").join("")));
}
