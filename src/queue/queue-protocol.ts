// What crosses the Redis queue between an orchestrator (queue-member-pool.ts) and the machines
// that train (queue-worker.ts). BullMQ stores job data and results as JSON, so weights never go
// through Redis: a job names the checkpoint file it starts from and the files it must write, on
// storage that every machine mounts at the same path (file:// URIs).
import { fileURLToPath } from "node:url";
import type { BackendChoice, ResolvedBackend } from "../compute/backend.ts";
import { fromWire, isEvoganError, toWire } from "../errors.ts";
import type { AdvanceResult, EganMemberConfig, MemberState } from "../worker/protocol.ts";

/** The BullMQ queue that orchestrators feed and workers drain. */
export const QUEUE_NAME = "evogan-segments";

/** Learns which backend a worker resolves `backend` to (the orchestrator's `init` reply). */
export interface ProbeJob {
  readonly kind: "probe";
  readonly backend: BackendChoice;
  readonly config: EganMemberConfig;
}

/** One segment of one member: load `from` (or start fresh), train, write `to` and `resultTo`. */
export interface SegmentJob {
  readonly kind: "advance";
  readonly sweepId: string;
  readonly memberId: string;
  readonly backend: BackendChoice;
  readonly config: EganMemberConfig;
  /** The member's state file (a QueueStateFile), or null for a fresh member built from `config`. */
  readonly from: string | null;
  /** Where the state after the segment goes (written atomically, a QueueStateFile). */
  readonly to: string;
  /** Where the segment's AdvanceResult goes (a QueueResultFile); absent when nothing is trained. */
  readonly resultTo: string;
  /** 0 with no `evaluate`: only materialise the state (init, export). */
  readonly iterations: number;
  readonly evaluate?: { readonly samples: number };
  readonly generation?: number;
  readonly attempt?: number;
}

export type QueueJobData = ProbeJob | SegmentJob;

/** A job's return value (JSON in Redis): references and a little metadata, never weights. */
export interface QueueJobResult {
  readonly backend: ResolvedBackend;
  readonly matmul: string;
  /** Which machine, process and slot ran the job, for logs. */
  readonly worker: string;
  readonly to?: string;
  readonly resultTo?: string;
}

/** The body of a state file (checkpoint-file.ts envelope: msgpackr, checksummed, atomic). */
export interface QueueStateFile {
  readonly kind: "evogan-queue-state";
  readonly memberId: string;
  readonly state: MemberState;
}

/** The body of a result file: the AdvanceResult as the worker returned it (Float32Array, NaN intact). */
export interface QueueResultFile {
  readonly kind: "evogan-queue-result";
  readonly memberId: string;
  readonly result: AdvanceResult;
}

/** The local path of a storage URI; only file:// storage is supported. */
export function storagePath(uri: string): string {
  if (!uri.startsWith("file://")) throw new Error(`unsupported storage URI '${uri}': expected file:///absolute/path on storage every machine mounts at the same path`);
  return fileURLToPath(uri);
}

/** A Redis URL without its password, for logs and slot descriptions. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** A decoded state file, checked for its kind. */
export function asStateFile(value: unknown, uri: string): QueueStateFile {
  if (typeof value === "object" && value !== null && "kind" in value && value.kind === "evogan-queue-state") return value as QueueStateFile;
  throw new Error(`${uri} is not an evogan queue state file`);
}

/** A decoded result file, checked for its kind. */
export function asResultFile(value: unknown, uri: string): QueueResultFile {
  if (typeof value === "object" && value !== null && "kind" in value && value.kind === "evogan-queue-result") return value as QueueResultFile;
  throw new Error(`${uri} is not an evogan queue result file`);
}

/**
 * What a processor throws for a failed job. BullMQ keeps only the message of a failed job's error
 * (its `failedReason`), so one of evogan's errors goes as the JSON of its wire form (tag, message,
 * fields), which `jobFailure` rebuilds on the orchestrator's side; anything else goes as it is.
 */
export function jobError(e: unknown): unknown {
  return isEvoganError(e) ? new Error(JSON.stringify(toWire(e))) : e;
}

/**
 * A failed job's error as the orchestrator's pool rejects with it: one of evogan's errors rebuilt
 * from its wire form (see jobError), else an Error with the job's failure reason. WorkerCrashed and
 * MemberLost tell the worker machine's own threads apart, which hold no member of this pool (a
 * queue member lives in files, and BullMQ has tried the job again already): they arrive as plain
 * failures of the job.
 */
export function jobFailure(e: unknown): Error {
  const reason = e instanceof Error ? e.message : String(e);
  const tagged = fromWire(parseJson(reason));
  if (!tagged) return e instanceof Error ? e : new Error(reason);
  return tagged._tag === "WorkerCrashed" || tagged._tag === "MemberLost" ? new Error(tagged.message) : tagged;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
