// The run directory service: everything a run writes goes through here (config.json, run.json,
// events.jsonl, checkpoints/, samples/). `evogan report` reads only what this writes.
import { appendFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Context, Effect, Layer } from "effect";
import type { RunEvent, RunInfo, RunStatus } from "../records.ts";
import { writeCheckpoint, writeFileAtomic } from "./checkpoint-file.ts";
import { RunStoreFailed } from "./errors.ts";

export interface RunHandle {
  readonly dir: string;
  readonly name: string;
}

export class RunStore extends Context.Service<
  RunStore,
  {
    /** Creates a fresh run directory under outDir; never overwrites: a taken name gets a -2, -3... suffix. */
    readonly create: (outDir: string, name: string, config: unknown) => Effect.Effect<RunHandle, RunStoreFailed>;
    readonly appendEvents: (run: RunHandle, events: readonly RunEvent[]) => Effect.Effect<void, RunStoreFailed>;
    readonly writeInfo: (run: RunHandle, info: RunInfo) => Effect.Effect<void, RunStoreFailed>;
    /** Writes a file under the run directory (e.g. samples/it-000500.png); returns its relative path. */
    readonly writeFile: (run: RunHandle, relPath: string, bytes: Uint8Array) => Effect.Effect<string, RunStoreFailed>;
    readonly writeCheckpoint: (run: RunHandle, relPath: string, value: unknown) => Effect.Effect<string, RunStoreFailed>;
  }
>()("evogan/RunStore") {}

/** An fs operation as an Effect whose failure names the path (RunStoreFailed). */
export const attempt = <A>(path: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (e) => new RunStoreFailed({ path, message: `${path}: ${(e as Error).message}` }) });

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
  appendEvents: (run, events) =>
    attempt(join(run.dir, "events.jsonl"), () => appendFile(join(run.dir, "events.jsonl"), events.map((e) => JSON.stringify(e) + "\n").join(""))),
  writeInfo: (run, info) =>
    attempt(join(run.dir, "run.json"), () => writeFileAtomic(join(run.dir, "run.json"), Buffer.from(JSON.stringify(info, null, 2) + "\n"))),
  writeFile: (run, relPath, bytes) => attempt(join(run.dir, relPath), () => writeFileAtomic(join(run.dir, relPath), bytes).then(() => relPath)),
  writeCheckpoint: (run, relPath, value) => attempt(join(run.dir, relPath), () => writeCheckpoint(join(run.dir, relPath), value).then(() => relPath)),
});

export function runInfo(base: Omit<RunInfo, "status" | "updatedAt">, status: RunStatus): RunInfo {
  return { ...base, status, updatedAt: new Date().toISOString() };
}
