// The one place where failures become messages and exit codes: every error evogan raises on
// purpose is tagged (src/errors.ts) and `codeOf` gives each tag its code; a file system error is
// an I/O failure; anything else is a defect.
import { Cause, Exit } from "effect";
import { isEvoganError, type ErrorTag, type EvoganError } from "../errors.ts";

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

/** Each error's exit code, by tag (README, "exit code"). */
export function codeOf(e: EvoganError): number {
  switch (e._tag) {
    case "ConfigError":
    case "ConfigInvalid":
    case "RunBusy":
      return EXIT.config;
    case "BackendMissing":
      return EXIT.backend;
    case "TrainingDiverged":
      return EXIT.diverged;
    case "WorkerFailed":
    case "WorkerCrashed":
    case "MemberLost":
    case "DeviceHostExited":
    case "PoolLost":
      return EXIT.worker;
    case "RunStoreFailed":
      return EXIT.io;
    case "RunNotFound":
      return EXIT.notFound;
    case "CheckpointCorrupt":
      return EXIT.checkpoint;
    case "ReplayRefused":
      return e.reason === "inconsistent" ? EXIT.checkpoint : EXIT.config;
    case "ClassifierWeightsError":
      return e.reason === "missing" ? EXIT.notFound : EXIT.checkpoint;
    case "AbortError":
      return EXIT.interrupted;
    case "CliError":
      return e.code;
  }
}

/** The one line printed for an error: its message (a config field's error says it is one). */
const messageOf = (e: EvoganError): string => (e._tag === "ConfigError" ? `invalid config: ${e.message}` : e.message);

export interface Failure {
  readonly code: number;
  readonly message: string;
  /** The tagged error it came from, when there was one. */
  readonly tag?: ErrorTag;
}

const describeError = (e: EvoganError): Failure => ({ code: codeOf(e), message: messageOf(e), tag: e._tag });

/** Maps a program's exit to a one-line message and an exit code (undefined message: success). */
export function describeExit<A>(exit: Exit.Exit<A, EvoganError>): Failure | undefined {
  if (Exit.isSuccess(exit)) return undefined;
  if (Exit.hasInterrupts(exit)) return { code: EXIT.interrupted, message: "interrupted: the run directory keeps every record and the last checkpoint" };
  const found = Cause.findError(exit.cause);
  if (found._tag === "Success") return describeError(found.success);
  return describeThrown(Cause.squash(exit.cause));
}

/** Errors thrown outside Effect (config loading, report reading, the image commands), or a program's defect. */
export function describeThrown(e: unknown): Failure {
  // A tagged error thrown outside an Effect program (e.g. by `report`) maps as it would inside one.
  if (isEvoganError(e)) return describeError(e);
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
