// Reproducibility stamps (the Stamps record of src/records.ts): which code, versions and engines
// made a run or sweep, how it was started, and a hash of its resolved config. run.json and
// sweep.json carry them (a sweep member's run.json: the sweep's). The process's own part (git,
// versions, command line, host) is looked up once per process; the backend and the matmul engine
// are what the first worker's `init` answered; the hash is of the config the program was given.
//
// Resume keeps the stamps the run or sweep started with and appends its own to `resumedWith`: a
// resume may run other code than the start did, and both are worth knowing.
//
// Git is asked about the checkout evogan's own source sits in, never the working directory: a run
// started from elsewhere, or from an installed package inside some other repository, must not
// stamp that repository's commit. Git missing, slow or refusing gives null, never a failed run.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";

import { NATIVE_PACKAGES } from "../compute/backend.ts";
import type { Stamps } from "../records.ts";

export type { Stamps };

/** evogan's package root (this file is src/orchestrator/stamps.ts). */
export const EVOGAN_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Git answers in milliseconds; 10 s covers a cold disk and a large tree, and a hung git costs a run nothing but its commit. */
const GIT_TIMEOUT_MS = 10_000;

/** 16 hex digits (64 bits): collisions among one person's configs are negligible, and it fits a table column. */
const HASH_HEX_DIGITS = 16;

/** The package whose version says what each backend ran (wasm and cpu ship with tfjs; the native ones are installed by the user). */
const BACKEND_PACKAGES: Readonly<Record<string, string>> = {
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
  ...NATIVE_PACKAGES,
};

const requireHere = createRequire(import.meta.url);

/** A package's version as evogan resolves it; null when it is not installed. */
export function packageVersion(pkg: string): string | null {
  try {
    const { version } = requireHere(`${pkg}/package.json`) as { version?: unknown };
    return typeof version === "string" ? version : null;
  } catch {
    return null;
  }
}

/**
 * HEAD of the git checkout whose top level is `dir`, and whether tracked files differ from it
 * (untracked files, such as a runs/ folder, do not count, as with `git describe --dirty`). Null
 * when `dir` is not the top of a checkout (an installed package, even inside another repository),
 * when the checkout has no commit, or when git is missing or fails.
 */
export async function gitStamp(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Stamps["git"]> {
  const git = (args: readonly string[]) =>
    new Promise<string>((resolve, reject) => {
      // --no-optional-locks: `status` must not write the index under a developer's own git command.
      execFile("git", ["--no-optional-locks", "-C", dir, ...args], { timeout: GIT_TIMEOUT_MS, encoding: "utf8", env }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
  try {
    const [top, commit] = (await git(["rev-parse", "--show-toplevel", "HEAD"])).trim().split("\n");
    if (top === undefined || commit === undefined || (await realpath(top)) !== (await realpath(dir))) return null;
    const changes = await git(["status", "--porcelain", "--untracked-files=no"]);
    return { commit, dirty: changes.trim() !== "" };
  } catch {
    return null;
  }
}

type ProcessStamps = Pick<Stamps, "git" | "evogan" | "node" | "tfjs" | "argv" | "host">;

let processStamps: Promise<ProcessStamps> | undefined;

/** The process's own stamps, looked up once. */
function ofProcess(): Promise<ProcessStamps> {
  processStamps ??= gitStamp(EVOGAN_ROOT).then((git) => ({
    git,
    evogan: ownVersion(),
    node: process.version,
    tfjs: packageVersion("@tensorflow/tfjs"),
    argv: process.argv.slice(1),
    host: hostname(),
  }));
  return processStamps;
}

/** evogan's version, from the package.json beside this source (not whatever "evogan" resolves to). */
function ownVersion(): string {
  try {
    const { version } = requireHere(`${EVOGAN_ROOT}package.json`) as { version?: unknown };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

/** sha256 of the config as compact JSON (keys in the order the schema resolves them), its first 16 hex digits. */
export function configHash(config: unknown): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, HASH_HEX_DIGITS);
}

/** What the first worker's `init` said (src/worker/protocol.ts InitResult); for a queue sweep, a remote worker's. */
export interface RuntimeFacts {
  readonly backend: string;
  readonly matmul: string;
}

/** The stamps of a run or sweep starting (or resuming) now with this config on this runtime. Never fails. */
export async function takeStamps(config: unknown, runtime: RuntimeFacts): Promise<Stamps> {
  const own = await ofProcess();
  const pkg = BACKEND_PACKAGES[runtime.backend];
  return {
    at: new Date().toISOString(),
    ...own,
    backend: runtime.backend,
    backendVersion: pkg === undefined ? null : packageVersion(pkg),
    matmul: runtime.matmul,
    configHash: configHash(config),
  };
}

export interface StampFields {
  readonly stamps?: Stamps;
  readonly resumedWith?: readonly Stamps[];
}

/**
 * The stamp fields after a start or resume: the first stamps stay, and a resume's own are added
 * to `resumedWith` (a run or sweep stopped before it wrote any starts its stamps now).
 */
export function stampFields(previous: StampFields | undefined, now: Stamps): StampFields {
  if (previous?.stamps === undefined) return { stamps: now };
  return { stamps: previous.stamps, resumedWith: [...(previous.resumedWith ?? []), now] };
}
