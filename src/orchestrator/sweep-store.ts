// The sweep directory service (layout in sweep-state.ts). Everything a sweep writes goes
// through here: atomically where a torn file would break resume (sweep.json, checkpoints).
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Context, Effect, Layer } from "effect";
import type { RunEvent, RunInfo } from "../records.ts";
import { appendLines, writeCheckpoint, writeFileAtomic } from "./checkpoint-file.ts";
import { CheckpointCorrupt, RunNotFound, RunStoreFailed } from "../errors.ts";
import { appendFlatViews, attempt, createUniqueDir, exists, filterJsonl, loadCheckpoint, truncateFlatViews } from "./run-store.ts";
import type { Hypers } from "../../strategies/search-space.ts";
import type { SweepEvent, SweepState } from "./sweep-state.ts";

export class SweepStore extends Context.Service<
  SweepStore,
  {
    /** A fresh sweep directory under outDir (a taken name gets a -2, -3... suffix). */
    readonly create: (outDir: string, name: string, config: unknown) => Effect.Effect<string, RunStoreFailed>;
    readonly readConfig: (dir: string) => Effect.Effect<unknown, RunNotFound>;
    readonly readState: (dir: string) => Effect.Effect<SweepState, RunNotFound>;
    readonly writeState: (dir: string, state: SweepState) => Effect.Effect<void, RunStoreFailed>;
    readonly appendSweep: (dir: string, events: readonly SweepEvent[]) => Effect.Effect<void, RunStoreFailed>;
    readonly createMember: (dir: string, id: string, config: unknown) => Effect.Effect<void, RunStoreFailed>;
    /** Also a progress.csv row per eval record and result.json with the end record (run-store.ts appendFlatViews), carrying the member's `hypers`. */
    readonly appendMember: (dir: string, id: string, events: readonly RunEvent[], hypers?: Hypers) => Effect.Effect<void, RunStoreFailed>;
    readonly writeMemberInfo: (dir: string, id: string, info: RunInfo) => Effect.Effect<void, RunStoreFailed>;
    readonly writeMemberFile: (dir: string, id: string, rel: string, bytes: Uint8Array) => Effect.Effect<string, RunStoreFailed>;
    readonly writeCheckpoint: (dir: string, rel: string, value: unknown) => Effect.Effect<void, RunStoreFailed>;
    readonly readCheckpoint: (dir: string, rel: string) => Effect.Effect<unknown, CheckpointCorrupt>;
    /** Checkpoint files of a member, newest first (relative paths). */
    readonly listCheckpoints: (dir: string, id: string) => Effect.Effect<string[], RunStoreFailed>;
    readonly pruneCheckpoints: (dir: string, id: string, keep: number) => Effect.Effect<void, RunStoreFailed>;
    /** Drops what an interrupted generation left: member records past `maxIt`, sweep records of generations ≥ g. */
    readonly truncate: (dir: string, ids: readonly string[], maxIt: number, g: number) => Effect.Effect<void, RunStoreFailed>;
  }
>()("evogan/SweepStore") {}

export const SweepStoreLive = Layer.succeed(SweepStore, {
  create: (outDir, name, config) =>
    attempt(outDir, async () => {
      const { dir, name: dirName } = await createUniqueDir(outDir, name);
      await mkdir(join(dir, "members"), { recursive: true });
      await mkdir(join(dir, "checkpoints"), { recursive: true });
      await writeFile(join(dir, "sweep-config.json"), JSON.stringify({ ...(config as object), name: dirName }, null, 2) + "\n");
      await writeFile(join(dir, "sweep.jsonl"), "");
      return dir;
    }),
  readConfig: (dir) =>
    Effect.tryPromise({
      try: async () => JSON.parse(await readFile(join(dir, "sweep-config.json"), "utf8")) as unknown,
      catch: () => new RunNotFound({ path: dir, message: `not a sweep directory: ${dir} (no readable sweep-config.json)` }),
    }),
  readState: (dir) =>
    Effect.tryPromise({
      try: async () => {
        const text = await readFile(join(dir, "sweep.json"), "utf8").catch(() => {
          throw new Error(`nothing to resume in ${dir}: no sweep.json (the sweep stopped before it wrote its first state; start it again)`);
        });
        try {
          return JSON.parse(text) as SweepState;
        } catch (e) {
          throw new Error(`${join(dir, "sweep.json")} is damaged (${(e as Error).message}); the sweep cannot be resumed from it`);
        }
      },
      catch: (e) => new RunNotFound({ path: dir, message: (e as Error).message }),
    }),
  writeState: (dir, state) => attempt(join(dir, "sweep.json"), () => writeFileAtomic(join(dir, "sweep.json"), Buffer.from(JSON.stringify(state, null, 2) + "\n"))),
  appendSweep: (dir, events) => attempt(join(dir, "sweep.jsonl"), () => appendLines(join(dir, "sweep.jsonl"), events.map((e) => JSON.stringify(e)))),
  createMember: (dir, id, config) =>
    attempt(join(dir, "members", id), async () => {
      const m = join(dir, "members", id);
      await mkdir(join(m, "samples"), { recursive: true });
      await writeFile(join(m, "config.json"), JSON.stringify(config, null, 2) + "\n");
      if (!(await exists(join(m, "events.jsonl")))) await writeFile(join(m, "events.jsonl"), "");
      await mkdir(join(dir, "checkpoints", id), { recursive: true });
    }),
  appendMember: (dir, id, events, hypers) =>
    Effect.andThen(
      attempt(join(dir, "members", id), () => appendLines(join(dir, "members", id, "events.jsonl"), events.map((e) => JSON.stringify(e)))),
      appendFlatViews(join(dir, "members", id), events, hypers),
    ),
  writeMemberInfo: (dir, id, info) => attempt(join(dir, "members", id), () => writeFileAtomic(join(dir, "members", id, "run.json"), Buffer.from(JSON.stringify(info, null, 2) + "\n"))),
  writeMemberFile: (dir, id, rel, bytes) => attempt(join(dir, "members", id, rel), () => writeFileAtomic(join(dir, "members", id, rel), bytes).then(() => rel)),
  writeCheckpoint: (dir, rel, value) => attempt(join(dir, rel), () => writeCheckpoint(join(dir, rel), value)),
  readCheckpoint: (dir, rel) => loadCheckpoint(join(dir, rel), rel, rel),
  listCheckpoints: (dir, id) =>
    attempt(join(dir, "checkpoints", id), async () =>
      (await readdir(join(dir, "checkpoints", id)).catch(() => [] as string[]))
        .filter((f) => /^gen-\d+\.ckpt$/.test(f))
        .sort()
        .reverse()
        .map((f) => `checkpoints/${id}/${f}`),
    ),
  pruneCheckpoints: (dir, id, keep) =>
    attempt(join(dir, "checkpoints", id), async () => {
      const files = (await readdir(join(dir, "checkpoints", id))).filter((f) => /^gen-\d+\.ckpt$/.test(f)).sort().reverse();
      await Promise.all(files.slice(keep).map((f) => rm(join(dir, "checkpoints", id, f), { force: true })));
    }),
  truncate: (dir, ids, maxIt, g) =>
    attempt(dir, async () => {
      for (const id of ids) {
        await filterJsonl(join(dir, "members", id, "events.jsonl"), (e) => typeof e.it === "number" && e.it <= maxIt && e.type !== "end");
        await truncateFlatViews(join(dir, "members", id), maxIt);
      }
      await filterJsonl(join(dir, "sweep.jsonl"), (e) => typeof e.g === "number" && e.g < g);
    }),
});
