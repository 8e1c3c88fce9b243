// result.json: how a run (or a sweep member) ended, as one small JSON object next to progress.csv
// (Ray Tune's per-trial result). Written atomically when the run's end record is appended, so it
// exists exactly when events.jsonl ends with one; resume, which cuts the end record off, removes it.
//
//   {
//     "name": "ring8-egan", "status": "finished",
//     "iterations": 5000,            the end record's iteration
//     "elapsedSeconds": 181.4,       the end record's elapsedMs / 1000 (a run's training time, resumes included;
//                                    a sweep member's: the wall time of the sweep process that finished it)
//     "itersPerSec": 27.6,
//     "startedAt": "...", "finishedAt": "...",
//     "wallSeconds": 190.2,          finishedAt − startedAt (run.json): real time, any stop before a resume included
//     "evaluatedAt": 5000,           the iteration of the last evaluation, whose metrics follow
//     "metrics": { "modes": 8, ... },
//     "hypers": { "trainer.g.lr": 0.0002, ... }   a sweep member's hyperparameters at the end
//   }
//
// A non-finite metric is null (JSON has no NaN), as in events.jsonl.
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Hypers } from "../../strategies/search-space.ts";
import type { EndRecord, EvalMetrics, EvalRecord } from "../records.ts";
import { writeFileAtomic } from "./checkpoint-file.ts";

export const RESULT_JSON = "result.json";

export interface RunResult {
  readonly name: string;
  readonly status: "finished";
  readonly iterations: number;
  readonly elapsedSeconds: number;
  readonly itersPerSec: number;
  readonly startedAt?: string;
  readonly finishedAt: string;
  readonly wallSeconds?: number;
  readonly evaluatedAt?: number;
  readonly metrics?: EvalMetrics;
  readonly hypers?: Hypers;
}

/** The last eval record of events.jsonl, read from the end (a line that does not parse is passed over). */
async function lastEval(file: string): Promise<EvalRecord | undefined> {
  const lines = (await readFile(file, "utf8").catch(() => "")).split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].includes('"eval"')) continue;
    try {
      const record = JSON.parse(lines[i]) as { type?: unknown };
      if (record.type === "eval") return record as EvalRecord;
    } catch {
      // A torn line: an older one may still be whole.
    }
  }
  return undefined;
}

/** When run.json says the run started, if it can be read. */
async function startedAt(dir: string): Promise<string | undefined> {
  try {
    const info = JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as { startedAt?: unknown };
    return typeof info.startedAt === "string" ? info.startedAt : undefined;
  } catch {
    return undefined;
  }
}

/** Writes result.json for the run in `dir` that `end` ends (its events.jsonl already holds the end record). */
export async function writeRunResult(dir: string, end: EndRecord, hypers?: Hypers, now = new Date()): Promise<RunResult> {
  const last = await lastEval(join(dir, "events.jsonl"));
  const started = await startedAt(dir);
  const wallMs = started === undefined ? NaN : now.getTime() - Date.parse(started);
  const result: RunResult = {
    name: basename(dir),
    status: "finished",
    iterations: end.it,
    elapsedSeconds: end.elapsedMs / 1000,
    itersPerSec: end.itersPerSec,
    ...(started === undefined ? {} : { startedAt: started }),
    finishedAt: now.toISOString(),
    ...(Number.isFinite(wallMs) ? { wallSeconds: wallMs / 1000 } : {}),
    ...(last ? { evaluatedAt: last.it, metrics: last.metrics } : {}),
    ...(hypers ? { hypers } : {}),
  };
  await writeFileAtomic(join(dir, RESULT_JSON), Buffer.from(JSON.stringify(result, null, 2) + "\n"));
  return result;
}

/** Removes result.json (resume: the end record it describes is gone). */
export const removeRunResult = (dir: string) => rm(join(dir, RESULT_JSON), { force: true });
