// The one place where failures become messages and exit codes.
import { Cause, Exit } from "effect";
import { BackendUnavailable } from "../compute/backend.ts";
import { ConfigError } from "../config/schema.ts";
import { ClassifierWeightsError } from "../metrics/classifier/classifier-weights.ts";
import { CorruptCheckpoint } from "../orchestrator/checkpoint-file.ts";
import type { RunError } from "../errors.ts";

export const EXIT = {
  ok: 0,
  defect: 1,
  config: 2,
  backend: 3,
  diverged: 4,
  worker: 5,
  io: 6,
  notFound: 7,
  checkpoint: 8,
  interrupted: 130,
} as const;

const codeOf: Record<RunError["_tag"], number> = {
  ConfigInvalid: EXIT.config,
  BackendMissing: EXIT.backend,
  TrainingDiverged: EXIT.diverged,
  WorkerFailed: EXIT.worker,
  RunStoreFailed: EXIT.io,
  RunNotFound: EXIT.notFound,
  RunBusy: EXIT.config,
  PoolLost: EXIT.worker,
  CheckpointCorrupt: EXIT.checkpoint,
};

function isRunError(e: unknown): e is RunError {
  const tag: unknown = e instanceof Error ? (e as unknown as { _tag?: unknown })._tag : undefined;
  return typeof tag === "string" && Object.hasOwn(codeOf, tag);
}

export interface Failure {
  readonly code: number;
  readonly message: string;
  /** The tagged error it came from, when there was one. */
  readonly tag?: RunError["_tag"];
}

/** Maps a program's exit to a one-line message and an exit code (undefined message: success). */
export function describeExit<A>(exit: Exit.Exit<A, RunError>): Failure | undefined {
  if (Exit.isSuccess(exit)) return undefined;
  if (Exit.hasInterrupts(exit)) return { code: EXIT.interrupted, message: "interrupted: the run directory keeps every record and the last checkpoint" };
  const found = Cause.findError(exit.cause);
  if (found._tag === "Success") {
    const e = found.success;
    return { code: codeOf[e._tag], message: e.message, tag: e._tag };
  }
  return describeThrown(Cause.squash(exit.cause));
}

/** A command's own failure, with the exit code it maps to. */
export class CliError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Errors thrown outside Effect (config loading, report reading, the image commands). */
export function describeThrown(e: unknown): Failure {
  // A tagged error thrown outside an Effect program (e.g. by `report`) maps as it would inside one.
  if (isRunError(e)) return { code: codeOf[e._tag], message: e.message, tag: e._tag };
  if (e instanceof CliError) return { code: e.code, message: e.message };
  if (e instanceof ConfigError) return { code: EXIT.config, message: `invalid config: ${e.message}` };
  if (e instanceof CorruptCheckpoint) return { code: EXIT.checkpoint, message: e.message };
  if (e instanceof BackendUnavailable) return { code: EXIT.backend, message: e.message };
  if (e instanceof ClassifierWeightsError) return { code: e.reason === "missing" ? EXIT.notFound : EXIT.checkpoint, message: e.message };
  const errno = (e as NodeJS.ErrnoException | undefined)?.code;
  if (e instanceof Error && typeof errno === "string" && /^E[A-Z]+$/.test(errno)) return { code: EXIT.io, message: e.message };
  return { code: EXIT.defect, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

/** Runs a command body; a failure is printed as `evogan: <message>` and exits with its code. */
export async function exitWith(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const f = describeThrown(e);
    process.stderr.write(`evogan: ${f.message}\n`);
    process.exit(f.code);
  }
}
