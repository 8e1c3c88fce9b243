// Every error evogan raises on purpose, in one vocabulary: each is a tagged class (Data.TaggedError,
// an Error subclass that an Effect can fail with and plain code can throw), and the CLI maps each
// tag to a one-line message and an exit code in one place (src/cli/exit-codes.ts, `codeOf`).
// Anything else is a defect and prints its stack.
//
// A structured clone (worker threads, the device hosts' IPC) keeps an Error's message and stack but
// not its class, tag or fields, and the Redis queue keeps only a failed job's message. So an error
// that crosses one of those boundaries travels as its wire form (`toWire`: tag, message, fields)
// and is rebuilt into its class on the other side (`fromWire`); nothing is told apart by its text.
//
// effect/Data rather than the "effect" barrel: worker threads import this file, and the barrel
// costs half a second per thread.
import * as Data from "effect/Data";

// ---- configs and commands -------------------------------------------------------------------

/**
 * A config field is wrong; `path` names it by its dot-path (`trainer.g.lr`, `trainer.mutations[2]`;
 * `config` for the file as a whole, `--set` for an override). The CLI prints it as
 * `invalid config: <path>: <reason>`, or, when `at` says where in a file the field is written (a
 * YAML config: `configs/x.yaml: line 7`), as `invalid config: <at>: <path>: <reason>`.
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly path: string; readonly reason: string; readonly message: string; readonly at?: string }> {
  constructor(path: string, reason: string, at?: string) {
    // The CLI prints the message as one line: a line break from a key, a file name or a parser
    // message must not split it.
    const message = `${at === undefined ? "" : `${at}: `}${path}: ${reason}`.replace(/\s*[\r\n\u2028\u2029]+\s*/g, " ");
    super({ path, reason, message, ...(at === undefined ? {} : { at }) });
  }
}

/** A stored config (a run's config.json, on resume) that no longer decodes; `path` is the file and the message is whole. */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{ readonly path: string; readonly message: string }> {}

/** A run or sweep whose process is still alive: resuming it would write the same files twice. */
export class RunBusy extends Data.TaggedError("RunBusy")<{ readonly path: string; readonly message: string }> {}

/** A command's own failure (`evogan sample`, ...), with the exit code it maps to (an EXIT value). */
export class CliError extends Data.TaggedError("CliError")<{ readonly code: number; readonly message: string }> {
  constructor(code: number, message: string) {
    super({ code, message });
  }
}

// ---- compute and training -------------------------------------------------------------------

const firstLine = (e: unknown): string => String(e instanceof Error ? e.message : e).split("\n")[0];

/**
 * The backend asked for cannot load here: a one-line error naming what is missing. `pkg` is the
 * missing piece (an npm package by default; for webgpu also the Vulkan loader or a GPU adapter),
 * and `remedy`, when given, replaces the default "install it with `npm install <pkg>`".
 */
export class BackendMissing extends Data.TaggedError("BackendMissing")<{ readonly backend: string; readonly pkg: string; readonly message: string; readonly cause?: unknown }> {
  constructor(backend: string, pkg: string, cause: unknown, remedy = `install it with \`npm install ${pkg}\``) {
    super({ backend, pkg, cause, message: `backend '${backend}' is not available: ${remedy} (${firstLine(cause)})` });
  }
}

/** Every child's fitness was NaN: there is nothing left to select (the records before it are kept). */
export class TrainingDiverged extends Data.TaggedError("TrainingDiverged")<{ readonly iteration: number; readonly message: string }> {
  constructor(iteration: number, message = `training diverged at iteration ${iteration}: every child's fitness is NaN`) {
    super({ iteration, message });
  }
}

// ---- workers and pools ----------------------------------------------------------------------

/**
 * A worker task failed. `lost` is set when the worker itself died rather than the task failing in
 * it: "crashed", the worker was running this task when it died (every member it held is gone);
 * "member", this task's member was resident in a worker that died under another task (put the
 * member back and try again: nothing is wrong with it).
 */
export class WorkerFailed extends Data.TaggedError("WorkerFailed")<{ readonly message: string; readonly cause?: unknown; readonly lost?: "crashed" | "member" }> {}

/** The task was the one running in a worker when the worker died: it may have brought it down. Every member the worker held is lost. */
export class WorkerCrashed extends Data.TaggedError("WorkerCrashed")<{
  readonly message: string;
  /** The slots whose worker died (one thread, or every thread of a host process). */
  readonly slots: readonly number[];
  readonly cause?: unknown;
}> {
  constructor(message: string, slots: readonly number[], options?: { readonly cause?: unknown }) {
    super({ message, slots, cause: options?.cause });
  }
}

/** The task's member was resident in a worker that died under another task (or the task was queued there): put the member back with an `init`, then try again. */
export class MemberLost extends Data.TaggedError("MemberLost")<{ readonly message: string; readonly cause?: unknown }> {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super({ message, cause: options?.cause });
  }
}

/** The host process serving a GPU died (or never started); its resident members are lost. */
export class DeviceHostExited extends Data.TaggedError("DeviceHostExited")<{ readonly device: number; readonly message: string }> {
  constructor(device: number, message: string) {
    super({ device, message });
  }
}

/**
 * The pool itself is gone for good (the queue's Redis stayed away past its deadline: RedisLost,
 * src/queue/redis-watch.ts): no task can run anywhere, so the whole program stops (resumable)
 * instead of charging members for it.
 */
export class PoolLost extends Data.TaggedError("PoolLost")<{ readonly message: string }> {}

/** Rejection of a task whose signal aborted; the same name ("AbortError") and message as Piscina's, so one check covers both. */
export class AbortError extends Data.TaggedError("AbortError")<{ readonly message: string; readonly cause?: unknown }> {
  constructor(reason?: unknown) {
    super({ message: "The task has been aborted", cause: reason });
  }
}

// ---- files ----------------------------------------------------------------------------------

/** A checkpoint that cannot be used: damaged, unreadable, or (`missing`) not there at all. */
export class CheckpointCorrupt extends Data.TaggedError("CheckpointCorrupt")<{ readonly file: string; readonly message: string; readonly missing?: boolean }> {}

/** A missing, unreadable or corrupt classifier weights file; `file` is the path at fault. */
export class ClassifierWeightsError extends Data.TaggedError("ClassifierWeightsError")<{ readonly file: string; readonly reason: "missing" | "corrupt"; readonly message: string }> {
  constructor(file: string, detail: string, reason: "missing" | "corrupt" = "corrupt") {
    super({ file, reason, message: `classifier weights ${file}: ${detail}` });
  }
}

export class RunStoreFailed extends Data.TaggedError("RunStoreFailed")<{ readonly path: string; readonly message: string }> {}
export class RunNotFound extends Data.TaggedError("RunNotFound")<{ readonly path: string; readonly message: string }> {}

/**
 * `evogan replay` cannot follow this sweep member: the sweep or the member did not finish
 * (`unfinished`: resume the sweep first, or choose a member that ended active), the sweep's log
 * contradicts itself (`inconsistent`: a logged decision's hyperparameters, a member's records), or
 * its members' states were averaged (`averaged`: a mean has no single lineage to follow);
 * `path` is the sweep directory or the file at fault.
 */
export class ReplayRefused extends Data.TaggedError("ReplayRefused")<{ readonly path: string; readonly reason: "unfinished" | "inconsistent" | "averaged"; readonly message: string }> {}

// ---- the vocabulary as a whole --------------------------------------------------------------

/**
 * Every tag and its class: the one list that `isEvoganError`, the wire form and the CLI's exit
 * codes are checked against. Each class extends Data.TaggedError directly (fromWire relies on it).
 */
const CLASSES = tagged({
  ConfigError,
  ConfigInvalid,
  RunBusy,
  CliError,
  BackendMissing,
  TrainingDiverged,
  WorkerFailed,
  WorkerCrashed,
  MemberLost,
  DeviceHostExited,
  PoolLost,
  AbortError,
  CheckpointCorrupt,
  ClassifierWeightsError,
  RunStoreFailed,
  RunNotFound,
  ReplayRefused,
});

/** Checks that every key of the list is its class's tag. */
function tagged<C extends { readonly [K in keyof C]: abstract new (...args: never) => { readonly _tag: K } }>(classes: C): C {
  return classes;
}

/** Any error evogan raises on purpose. */
export type EvoganError = InstanceType<(typeof CLASSES)[keyof typeof CLASSES]>;
export type ErrorTag = EvoganError["_tag"];
/** The errors an Effect program of evogan's (a run, a sweep) fails with. */
export type RunError = ConfigInvalid | BackendMissing | WorkerFailed | TrainingDiverged | CheckpointCorrupt | RunStoreFailed | RunNotFound | RunBusy | PoolLost;

export const ERROR_TAGS: readonly ErrorTag[] = Object.keys(CLASSES) as ErrorTag[];

const isTag = (tag: unknown): tag is ErrorTag => typeof tag === "string" && Object.hasOwn(CLASSES, tag);

/** Whether `e` is one of evogan's errors (a live instance; a wire form is not one until `fromWire` rebuilds it). */
export function isEvoganError(e: unknown): e is EvoganError {
  if (!(e instanceof Error) || !("_tag" in e) || !isTag(e._tag)) return false;
  return e instanceof CLASSES[e._tag];
}

/** An evogan error as plain data, which survives a structured clone and JSON: its tag, message and fields (not its cause). */
export interface WireError {
  readonly _tag: ErrorTag;
  readonly message: string;
  readonly [field: string]: unknown;
}

export function toWire(e: EvoganError): WireError {
  // Own enumerable properties are the tag and the fields the class was built with; message and
  // cause are not enumerable (Error's own), and a cause need not survive a clone.
  const fields = Object.fromEntries(Object.entries(e).filter(([key]) => key !== "cause"));
  return { ...fields, _tag: e._tag, message: e.message };
}

/** The error a wire form stands for, rebuilt into its class; undefined when `w` is not a wire form. */
export function fromWire(w: unknown): EvoganError | undefined {
  if (typeof w !== "object" || w === null || w instanceof Error) return undefined;
  const { _tag: tag, ...fields } = w as Record<string, unknown>;
  if (!isTag(tag) || typeof fields.message !== "string") return undefined;
  const Class = CLASSES[tag];
  // Built by its Data.TaggedError base with the class's prototype: the fields (message included)
  // are what the class's own constructor computed from its arguments on the other side.
  const rebuilt: EvoganError = Reflect.construct(Object.getPrototypeOf(Class), [fields], Class);
  return rebuilt;
}
