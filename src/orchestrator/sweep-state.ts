// What a sweep directory holds between generations. `sweep.json` is the resume point: it is
// rewritten atomically after every completed generation, and every active member's state at
// that point is its own latest checkpoint (an exploited member's checkpoint is rewritten with
// the state it copied). `sweep.jsonl` logs every decision so lineage can be drawn and replayed.
//
//   runs/<sweep>/sweep-config.json           the resolved sweep config
//   runs/<sweep>/sweep.json                  SweepState
//   runs/<sweep>/sweep.jsonl                 GenerationRecord | RetryRecord | WarningRecord
//   runs/<sweep>/members/<id>/               a run directory per member (evogan report reads it)
//   runs/<sweep>/checkpoints/<id>/gen-NNNN.ckpt
import type { HyperValue } from "../config/sweep-config.ts";
import type { OwnerStamp } from "../liveness.ts";
import type { StampFields } from "./stamps.ts";
import type { EvalMetrics } from "../records.ts";

export type MemberStatus = "active" | "diverged" | "failed";

export interface MemberState {
  readonly id: string;
  readonly index: number;
  /** The population plan (member `set`: architecture, fixed settings) it runs; default its own index. Changes when it copies another member. */
  readonly plan?: number;
  readonly slot: number;
  readonly seed: number;
  readonly hypers: Readonly<Record<string, HyperValue>>;
  readonly status: MemberStatus;
  /** Relative path of the checkpoint the member continues from (none before generation 0 ends). */
  readonly checkpoint?: string;
  readonly fitness?: number;
  /** The sweep's tie-breaking metric, when it has one. */
  readonly tieBreak?: number;
  readonly metrics?: EvalMetrics;
  /** Iterations trained (= generations × segment, unless the member stopped). */
  readonly iterations: number;
}

/** `stamps`: what made the sweep, and `resumedWith` each resume's (src/orchestrator/stamps.ts); absent before the first init and in sweeps from before stamps. */
export interface SweepState extends OwnerStamp, StampFields {
  readonly name: string;
  readonly backend: string;
  readonly status: "running" | "finished" | "interrupted" | "failed";
  readonly generationsDone: number;
  readonly members: readonly MemberState[];
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Wall time of the completed generations (what a `budget.seconds` is spent against); absent before the first. */
  readonly wallMs?: number;
}

export interface Standing {
  readonly id: string;
  readonly fitness: number;
  readonly metrics?: EvalMetrics;
  readonly hypers: Readonly<Record<string, HyperValue>>;
  readonly status: MemberStatus;
}

export interface GenerationRecord {
  readonly type: "generation";
  readonly g: number;
  readonly standings: readonly Standing[];
  readonly ranking: readonly string[];
  readonly decisions: readonly unknown[];
  /** The members replaced by their mean after the decisions (strategies/average.ts); absent when none were. */
  readonly averaged?: readonly string[];
  /** Wall time of the generation, and the workers' training time summed over members. */
  readonly elapsedMs: number;
  readonly computeMs: number;
}

export interface RetryRecord {
  readonly type: "retry";
  readonly g: number;
  readonly member: string;
  readonly attempt: number;
  readonly error: string;
  readonly outcome: "retrying" | "failed";
}

export interface WarningRecord {
  readonly type: "warning";
  readonly g: number;
  readonly member?: string;
  readonly message: string;
}

export type SweepEvent = GenerationRecord | RetryRecord | WarningRecord;

export const checkpointPath = (id: string, g: number) => `checkpoints/${id}/gen-${String(g).padStart(4, "0")}.ckpt`;
