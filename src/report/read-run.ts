import { readFile } from "node:fs/promises";
import { join } from "node:path";

import * as Schema from "effect/Schema";
import * as SchemaAST from "effect/SchemaAST";
import * as SchemaIssue from "effect/SchemaIssue";
import * as SchemaParser from "effect/SchemaParser";

import { RunNotFound } from "../errors.ts";
import { observedStatus } from "../liveness.ts";
import { RUN_EVENT_TYPES, runEventSchema, runInfoSchema, type RunEvent, type RunInfo } from "../records.ts";
import { firstProblem } from "../schema-problem.ts";

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

// ---- decoding a record, with the reader's messages -------------------------------------------------

/** What a record's field must be, in words. */
function expected(ast: SchemaAST.AST | undefined): string {
  const words = ast?.annotations?.expected;
  if (typeof words === "string") return words;
  switch (ast?._tag) {
    case "Number":
      return "a number";
    case "String":
      return "a string";
    case "Arrays":
      return "an array";
    case "Objects":
      return "an object";
    default:
      return "valid";
  }
}

/** The message of a record's first problem: `"it" must be a number`, `a child must be an object`. */
function recordMessage(issue: SchemaIssue.Issue): string {
  const { keys, ast, issue: leaf } = firstProblem(issue);
  // A value that passed no member's guard (src/schema-problem.ts).
  const unmatched = ast?.annotations?.unmatched;
  if (leaf._tag === "AnyOf" && leaf.issues.length > 0 && typeof unmatched === "string") return unmatched;
  const message = ast?.annotations?.message;
  if (typeof message === "string") return message;
  const what = ast?.annotations?.what;
  const key = keys.at(-1);
  const subject = typeof what === "string" ? what : JSON.stringify(String(key));
  const input = SchemaIssue.hasInput(leaf) ? leaf.input : undefined;
  // A field that must be one of a few strings (run.json's "status").
  if (ast?._tag === "Union" && ast.types.every(SchemaAST.isLiteral) && typeof input === "string") {
    return `${subject} must be one of ${ast.types.map((t) => String(SchemaAST.isLiteral(t) ? t.literal : "")).join(", ")}, got "${input}"`;
  }
  return `${subject} must be ${ast?._tag === "Union" && ast.types.every(SchemaAST.isLiteral) ? "a string" : expected(ast)}`;
}

/** Stop at the first problem; fields a reader does not know are dropped (a newer writer may add some). */
const PARSE_OPTIONS = { errors: "first", reportInput: true } as const;

function recordDecoder<S extends Schema.ConstraintDecoder<unknown>>(schema: S): (value: unknown) => S["Type"] {
  const decode = SchemaParser.decodeUnknownResult(schema, PARSE_OPTIONS);
  return (value) => {
    const result = decode(value);
    if (result._tag === "Failure") throw new Error(recordMessage(result.failure));
    return result.success;
  };
}

const decodeRunInfo = recordDecoder(runInfoSchema);
const decodeRecordType = recordDecoder(Schema.Struct({ type: Schema.String }).annotate({ what: "a record" }));
const decodeEvent = recordDecoder(runEventSchema);

/** run.json as written; a "running" run whose process is gone reads as "crashed" (src/liveness.ts). */
export function parseRunInfo(value: unknown): RunInfo {
  const info = decodeRunInfo(value);
  return { ...info, status: observedStatus(info.status, info) };
}

/** One events.jsonl record; undefined for a record type this version does not know (written by a newer one). */
export function parseEvent(value: unknown): RunEvent | undefined {
  return RUN_EVENT_TYPES.includes(decodeRecordType(value).type) ? decodeEvent(value) : undefined;
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
