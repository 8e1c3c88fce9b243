// Expected failures, tagged so that the CLI can map each to a one-line message and an exit code
// in one place (src/cli/exit-codes.ts). Anything else is a defect and prints its stack.
import { Data } from "effect";

export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{ readonly path: string; readonly message: string }> {}
export class BackendMissing extends Data.TaggedError("BackendMissing")<{ readonly message: string }> {}
/**
 * A worker task failed. `lost` is set when the worker itself died rather than the task failing in
 * it: "crashed", the worker was running this task when it died (every member it held is gone);
 * "member", this task's member was resident in a worker that died under another task (put the
 * member back and try again: nothing is wrong with it).
 */
export class WorkerFailed extends Data.TaggedError("WorkerFailed")<{ readonly message: string; readonly cause?: unknown; readonly lost?: "crashed" | "member" }> {}
/** The worker pool is gone (the queue's Redis lost past its deadline): the whole program stops, resumable. */
export class PoolLost extends Data.TaggedError("PoolLost")<{ readonly message: string }> {}
export class TrainingDiverged extends Data.TaggedError("TrainingDiverged")<{ readonly iteration: number; readonly message: string }> {}
/** A checkpoint that cannot be used: damaged, unreadable, or (`missing`) not there at all. */
export class CheckpointCorrupt extends Data.TaggedError("CheckpointCorrupt")<{ readonly file: string; readonly message: string; readonly missing?: boolean }> {}
export class RunStoreFailed extends Data.TaggedError("RunStoreFailed")<{ readonly path: string; readonly message: string }> {}
/** A run or sweep whose process is still alive: resuming it would write the same files twice. */
export class RunBusy extends Data.TaggedError("RunBusy")<{ readonly path: string; readonly message: string }> {}
export class RunNotFound extends Data.TaggedError("RunNotFound")<{ readonly path: string; readonly message: string }> {}

export type RunError = ConfigInvalid | BackendMissing | WorkerFailed | TrainingDiverged | CheckpointCorrupt | RunStoreFailed | RunNotFound | RunBusy | PoolLost;
