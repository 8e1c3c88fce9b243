import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RunNotFound } from "../errors.ts";
import { observedStatus } from "../liveness.ts";
import type { ChildRecord, EndRecord, EvalMetrics, EvalRecord, ImageMetrics, IterationRecord, RunEvent, RunInfo, RunStatus, ToyMetrics } from "../records.ts";

export interface RunData {
  /** The directory as given to `readRun`. */
  readonly dir: string;
  readonly info: RunInfo;
  /** Parsed config.json; null when the run has none. */
  readonly config: unknown;
  readonly events: readonly RunEvent[];
  /** Lines of events.jsonl that were skipped, each naming file and line. */
  readonly warnings: readonly string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNotFound(error: unknown): boolean {
  return isObject(error) && (error.code === "ENOENT" || error.code === "ENOTDIR");
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function str(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new Error(`"${key}" must be a string`);
  return v;
}

function finite(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`"${key}" must be a number`);
  return v;
}

/** JSON has no NaN: JSON.stringify writes a NaN fitness or loss as null, so null reads back as NaN. */
function numOrNaN(o: Json, key: string): number {
  const v = o[key];
  if (v === null) return NaN;
  if (typeof v !== "number") throw new Error(`"${key}" must be a number or null`);
  return v;
}

function array(o: Json, key: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new Error(`"${key}" must be an array`);
  return v;
}

function object(v: unknown, what: string): Json {
  if (!isObject(v)) throw new Error(`${what} must be an object`);
  return v;
}

const STATUSES: readonly RunStatus[] = ["running", "finished", "interrupted", "failed", "crashed"];

function parseStatus(o: Json): RunStatus {
  const s = str(o, "status");
  const status = STATUSES.find((known) => known === s);
  if (status === undefined) throw new Error(`"status" must be one of ${STATUSES.join(", ")}, got "${s}"`);
  return status;
}

const optional = <T>(o: Json, key: string, read: (o: Json, key: string) => T): { [k: string]: T } => (o[key] === undefined ? {} : { [key]: read(o, key) });

/** run.json as written; a "running" run whose process is gone reads as "crashed" (src/liveness.ts). */
export function parseRunInfo(value: unknown): RunInfo {
  const o = object(value, "run.json");
  const stamp = { ...optional(o, "pid", finite), ...optional(o, "host", str), ...optional(o, "heartbeatAt", str) };
  return {
    ...stamp,
    name: str(o, "name"),
    backend: str(o, "backend"),
    status: observedStatus(parseStatus(o), stamp),
    startedAt: str(o, "startedAt"),
    updatedAt: str(o, "updatedAt"),
    seed: finite(o, "seed"),
    iterations: finite(o, "iterations"),
  };
}

function parseChild(value: unknown): ChildRecord {
  const o = object(value, "a child");
  return { mutation: str(o, "mutation"), parent: finite(o, "parent"), Fq: numOrNaN(o, "Fq"), Fd: numOrNaN(o, "Fd"), F: numOrNaN(o, "F") };
}

function parseSurvivor(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`"survivors" must hold integers`);
  return value;
}

function parseIteration(o: Json): IterationRecord {
  return {
    type: "iteration",
    it: finite(o, "it"),
    children: array(o, "children").map(parseChild),
    survivors: array(o, "survivors").map(parseSurvivor),
    dLoss: numOrNaN(o, "dLoss"),
    elapsedMs: finite(o, "elapsedMs"),
  };
}

function parseToyMetrics(o: Json): ToyMetrics {
  return {
    samples: finite(o, "samples"),
    modes: finite(o, "modes"),
    totalModes: finite(o, "totalModes"),
    highQuality: numOrNaN(o, "highQuality"),
    reverseKL: numOrNaN(o, "reverseKL"),
    ...(o.mmd === undefined ? {} : { mmd: numOrNaN(o, "mmd") }),
  };
}

/** FID, IS and TVD of a diverged generator may be NaN (written as null). */
function parseImageMetrics(o: Json): ImageMetrics {
  return {
    samples: finite(o, "samples"),
    fid: numOrNaN(o, "fid"),
    inceptionScore: numOrNaN(o, "inceptionScore"),
    classTvd: numOrNaN(o, "classTvd"),
  };
}

/** Image metrics are told apart by their "fid" field, as `isImageMetrics` does. */
function parseMetrics(value: unknown): EvalMetrics {
  const o = object(value, '"metrics"');
  if ("fid" in o) return parseImageMetrics(o);
  if ("modes" in o) return parseToyMetrics(o);
  throw new Error('"metrics" must hold toy metrics ("modes", ...) or image metrics ("fid", ...)');
}

function parseEval(o: Json): EvalRecord {
  const plot = o.plot === undefined ? {} : { plot: str(o, "plot") };
  return { type: "eval", it: finite(o, "it"), metrics: parseMetrics(o.metrics), ...plot, elapsedMs: finite(o, "elapsedMs") };
}

function parseEnd(o: Json): EndRecord {
  return { type: "end", it: finite(o, "it"), elapsedMs: finite(o, "elapsedMs"), itersPerSec: numOrNaN(o, "itersPerSec") };
}

/** One events.jsonl record; undefined for a record type this version does not know (written by a newer one). */
export function parseEvent(value: unknown): RunEvent | undefined {
  const o = object(value, "a record");
  switch (str(o, "type")) {
    case "iteration":
      return parseIteration(o);
    case "eval":
      return parseEval(o);
    case "end":
      return parseEnd(o);
    default:
      return undefined;
  }
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function parseJson(text: string): unknown {
  const parsed = tryJson(text);
  if (!parsed.ok) throw new Error("invalid JSON");
  return parsed.value;
}

/** Runs `parse`, prefixing any error message with where the bad input is. */
function at<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Parses events.jsonl. The writer appends whole lines, so a run still in progress may end in a
 * line without its newline yet: that line is kept only if it is already valid JSON. Any other
 * malformed line is skipped with a warning naming `path` and the line number.
 */
export function parseEvents(text: string, path: string, warnings: string[] = []): RunEvent[] {
  const lines = text.split("\n");
  const events: RunEvent[] = [];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const unterminated = index === lines.length - 1;
    if (unterminated && !tryJson(line).ok) return;
    try {
      const event = at(`${path}:${index + 1}`, () => parseEvent(parseJson(line)));
      if (event !== undefined) events.push(event);
    } catch (error) {
      warnings.push(`${(error as Error).message}; line skipped`);
    }
  });
  return events;
}

/** Reads a run directory, finished or still being written. */
export async function readRun(runDir: string): Promise<RunData> {
  const infoPath = join(runDir, "run.json");
  const eventsPath = join(runDir, "events.jsonl");
  const configPath = join(runDir, "config.json");
  const [infoText, eventsText, configText] = await Promise.all([readText(infoPath), readText(eventsPath), readText(configPath)]);
  if (infoText === undefined) throw new RunNotFound({ path: runDir, message: `not a run directory: ${runDir} (no run.json)` });
  if (eventsText === undefined) throw new RunNotFound({ path: runDir, message: `not a run directory: ${runDir} (no events.jsonl)` });
  const warnings: string[] = [];
  return {
    dir: runDir,
    info: at(infoPath, () => parseRunInfo(parseJson(infoText))),
    config: configText === undefined ? null : at(configPath, () => parseJson(configText)),
    events: parseEvents(eventsText, eventsPath, warnings),
    warnings,
  };
}
