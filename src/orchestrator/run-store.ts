// The run directory service: everything a run writes goes through here (config.json, run.json,
// events.jsonl, checkpoints/, samples/). `evogan report` reads only what this writes. Next to
// events.jsonl go its flat views for pandas: progress.csv (a row per eval record) and result.json
// (with the end record), kept in step with it on append and on resume's cut.
//
// Resume: checkpoints/latest.ckpt (and the one before it, previous.ckpt) are written after the
// records they cover, so a run continues from the newest intact one with its log cut back to
// that checkpoint's iteration: records and state always agree.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { Context, Effect, Layer, Semaphore } from "effect";
import { HEARTBEAT_MS, ownerStamp } from "../liveness.ts";
import type { Hypers } from "../../strategies/search-space.ts";
import type { EndRecord, RunEvent, RunInfo } from "../records.ts";
import { appendProgress, PROGRESS_CSV, truncateProgress } from "./progress-csv.ts";
import { removeRunResult, RESULT_JSON, writeRunResult } from "./run-result.ts";
import { appendLines, readCheckpoint, writeCheckpoint, writeFileAtomic } from "./checkpoint-file.ts";
import { CheckpointCorrupt, RunNotFound, RunStoreFailed } from "../errors.ts";

/** The checkpoint a run continues from, and the one before it (a fallback when the newest is damaged). */
export const LATEST_CHECKPOINT = "checkpoints/latest.ckpt";
export const PREVIOUS_CHECKPOINT = "checkpoints/previous.ckpt";

export interface RunHandle {
  readonly dir: string;
  readonly name: string;
}

export class RunStore extends Context.Service<
  RunStore,
  {
    /** Creates a fresh run directory under outDir; never overwrites: a taken name gets a -2, -3... suffix. */
    readonly create: (outDir: string, name: string, config: unknown) => Effect.Effect<RunHandle, RunStoreFailed>;
    /** Appends to events.jsonl, then its flat views (appendFlatViews); `hypers`: the hyperparameters the records were trained with, where a run follows a schedule of them (a replayed sweep member). */
    readonly appendEvents: (run: RunHandle, events: readonly RunEvent[], hypers?: Hypers) => Effect.Effect<void, RunStoreFailed>;
    readonly writeInfo: (run: RunHandle, info: RunInfo) => Effect.Effect<void, RunStoreFailed>;
    /** Writes a file under the run directory (e.g. samples/it-000500.png); returns its relative path. */
    readonly writeFile: (run: RunHandle, relPath: string, bytes: Uint8Array) => Effect.Effect<string, RunStoreFailed>;
    readonly writeCheckpoint: (run: RunHandle, relPath: string, value: unknown) => Effect.Effect<string, RunStoreFailed>;
    /** latest.ckpt becomes previous.ckpt, then `value` is written as latest.ckpt. */
    readonly rotateCheckpoint: (run: RunHandle, value: unknown) => Effect.Effect<void, RunStoreFailed>;
    /** An existing run directory (for resume): its config.json and run.json (absent when killed before writing it). */
    readonly open: (dir: string) => Effect.Effect<{ run: RunHandle; config: unknown; info?: RunInfo }, RunNotFound>;
    /** Removes what a killed writer left half-done (`*.tmp`), once its process is known to be gone. */
    readonly removeTemporaries: (run: RunHandle) => Effect.Effect<void, RunStoreFailed>;
    readonly readCheckpoint: (run: RunHandle, relPath: string) => Effect.Effect<unknown, CheckpointCorrupt>;
    /** Cuts events.jsonl (and progress.csv, result.json) back to the records of iterations ≤ maxIt (no end record); torn lines go too. */
    readonly truncateEvents: (run: RunHandle, maxIt: number) => Effect.Effect<void, RunStoreFailed>;
  }
>()("evogan/RunStore") {}

/** An fs operation as an Effect whose failure names the path (RunStoreFailed). */
export const attempt = <A>(path: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => new RunStoreFailed({ path, message: `${path}: ${(e as Error).message}` }) });

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** Rewrites a JSONL file (atomically) with the records `keep` accepts; lines that do not parse (torn by a kill) are dropped. */
export async function filterJsonl(file: string, keep: (value: Record<string, unknown>) => boolean): Promise<void> {
  if (!(await exists(file))) return;
  const kept = lines(await readFile(file, "utf8")).filter((l) => {
    try {
      return keep(JSON.parse(l) as Record<string, unknown>);
    } catch {
      return false;
    }
  });
  await writeFileAtomic(file, Buffer.from(kept.map((l) => l + "\n").join("")));
}

/**
 * The flat views of records just appended to `dir`/events.jsonl: a progress.csv row per eval record
 * (src/orchestrator/progress-csv.ts) and, with the end record, result.json (run-result.ts).
 * `hypers`: a sweep member's hyperparameters, which its rows and result carry.
 */
export const appendFlatViews = (dir: string, events: readonly RunEvent[], hypers?: Hypers) =>
  Effect.andThen(
    attempt(join(dir, PROGRESS_CSV), () => appendProgress(dir, events, hypers)),
    Effect.forEach(
      events.filter((e): e is EndRecord => e.type === "end"),
      (end) => attempt(join(dir, RESULT_JSON), () => writeRunResult(dir, end, hypers)),
      { discard: true },
    ),
  );

/** Cuts the flat views back with events.jsonl: progress.csv to iterations ≤ maxIt; result.json goes with the end record. */
export async function truncateFlatViews(dir: string, maxIt: number): Promise<void> {
  await truncateProgress(dir, maxIt);
  await removeRunResult(dir);
}

/** A checkpoint file as an Effect: CheckpointCorrupt names `file` (and says `shown` where it cannot be read; `missing` when absent). */
export const loadCheckpoint = (path: string, file: string, shown: string) =>
  Effect.tryPromise({
    try: () => readCheckpoint(path),
    catch: (e) =>
      new CheckpointCorrupt({
        file,
        message: e instanceof CheckpointCorrupt ? e.message : `cannot read checkpoint ${shown}: ${(e as Error).message}`,
        missing: (e as NodeJS.ErrnoException).code === "ENOENT",
      }),
  });

/** Deletes `*.tmp` files (an atomic write cut short by a kill) under dir, two levels deep at most. */
export async function removeTemporaries(dir: string, depth = 2): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith(".tmp")) await rm(join(dir, e.name), { force: true });
    else if (e.isDirectory() && depth > 0) await removeTemporaries(join(dir, e.name), depth - 1);
  }
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Creates outDir/name, or outDir/name-2, -3... when taken: a run never overwrites another. */
export async function createUniqueDir(outDir: string, name: string): Promise<{ dir: string; name: string }> {
  await mkdir(outDir, { recursive: true });
  for (let i = 1; ; i++) {
    const dirName = i === 1 ? name : `${name}-${i}`;
    const dir = join(outDir, dirName);
    if (await exists(dir)) continue;
    await mkdir(dir);
    return { dir, name: dirName };
  }
}

export const RunStoreLive = Layer.succeed(RunStore, {
  create: (outDir, name, config) =>
    attempt(outDir, async () => {
      const { dir, name: dirName } = await createUniqueDir(outDir, name);
      await mkdir(join(dir, "checkpoints"), { recursive: true });
      await mkdir(join(dir, "samples"), { recursive: true });
      // The resolved config, under the name the directory actually got.
      const resolved = typeof config === "object" && config !== null ? { ...config, name: dirName } : config;
      await writeFile(join(dir, "config.json"), JSON.stringify(resolved, null, 2) + "\n");
      await writeFile(join(dir, "events.jsonl"), "");
      return { dir, name: dirName };
    }),
  appendEvents: (run, events, hypers) =>
    Effect.andThen(
      attempt(join(run.dir, "events.jsonl"), () => appendLines(join(run.dir, "events.jsonl"), events.map((e) => JSON.stringify(e)))),
      appendFlatViews(run.dir, events, hypers),
    ),
  writeInfo: (run, info) =>
    attempt(join(run.dir, "run.json"), () => writeFileAtomic(join(run.dir, "run.json"), Buffer.from(JSON.stringify(info, null, 2) + "\n"))),
  writeFile: (run, relPath, bytes) => attempt(join(run.dir, relPath), () => writeFileAtomic(join(run.dir, relPath), bytes).then(() => relPath)),
  writeCheckpoint: (run, relPath, value) => attempt(join(run.dir, relPath), () => writeCheckpoint(join(run.dir, relPath), value).then(() => relPath)),
  rotateCheckpoint: (run, value) =>
    attempt(join(run.dir, LATEST_CHECKPOINT), async () => {
      // Killed between the two steps, the run still has previous.ckpt to continue from.
      await rename(join(run.dir, LATEST_CHECKPOINT), join(run.dir, PREVIOUS_CHECKPOINT)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
      await writeCheckpoint(join(run.dir, LATEST_CHECKPOINT), value);
    }),
  open: (dir) =>
    Effect.tryPromise({
      try: async () => {
        const read = async (file: string) => {
          const text = await readFile(join(dir, file), "utf8").catch(() => undefined);
          if (text === undefined) throw new Error(`not a run directory: ${dir} (no ${file})`);
          try {
            return JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
          } catch {
            throw new Error(`${join(dir, file)}: not valid JSON`);
          }
        };
        const config = await read("config.json");
        const info = (await exists(join(dir, "run.json"))) ? ((await read("run.json")) as RunInfo) : undefined;
        return { run: { dir, name: basename(dir) }, config, ...(info ? { info } : {}) };
      },
      catch: (e) => new RunNotFound({ path: dir, message: (e as Error).message }),
    }),
  readCheckpoint: (run, relPath) => loadCheckpoint(join(run.dir, relPath), relPath, join(run.dir, relPath)),
  removeTemporaries: (run) => attempt(run.dir, () => removeTemporaries(run.dir)),
  truncateEvents: (run, maxIt) =>
    Effect.andThen(
      attempt(join(run.dir, "events.jsonl"), () => filterJsonl(join(run.dir, "events.jsonl"), (e) => typeof e.it === "number" && e.it <= maxIt && e.type !== "end")),
      attempt(join(run.dir, PROGRESS_CSV), () => truncateFlatViews(run.dir, maxIt)),
    ),
});

/**
 * run.json files kept current while a program runs (a run's own, or each member's of a sweep):
 * `set` writes a status, and a background fiber rewrites every "running" one's heartbeat each
 * HEARTBEAT_MS. One lock and one current value per file, so a late beat never writes an older
 * status over a newer one.
 */
export const makeInfoKeeper = <K extends string>(write: (key: K, info: RunInfo) => Effect.Effect<void, RunStoreFailed>) =>
  Effect.gen(function* () {
    const lock = yield* Semaphore.make(1);
    const current = new Map<K, RunInfo>();
    const stamp = ownerStamp();
    const now = () => new Date().toISOString();
    const set = (key: K, info: Omit<RunInfo, "updatedAt" | "pid" | "host" | "heartbeatAt">) =>
      lock.withPermits(1)(
        Effect.suspend(() => {
          const full: RunInfo = { ...info, ...stamp, updatedAt: now(), heartbeatAt: now() };
          current.set(key, full);
          return write(key, full);
        }),
      );
    const beat = lock.withPermits(1)(
      Effect.forEach(
        [...current].filter(([, info]) => info.status === "running"),
        ([key, info]) => {
          const beaten = { ...info, heartbeatAt: now() };
          current.set(key, beaten);
          return write(key, beaten);
        },
        { discard: true },
      ),
    );
    /** Beats until the calling program ends (a child fiber); a failed beat waits for the next. */
    const keepBeating = Effect.forkChild(Effect.forever(Effect.andThen(Effect.sleep(HEARTBEAT_MS), Effect.ignore(beat))));
    return { set, keepBeating };
  });
