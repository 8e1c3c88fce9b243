// The newest intact checkpoint of a run directory or of a sweep member's directory, read the
// way resume reads them: a damaged file is passed over (and said) for the one before it.
//   run:    <run>/checkpoints/final.ckpt, else latest.ckpt, else previous.ckpt; each holds the
//           member's config beside its state (src/orchestrator/run-program.ts RunCheckpoint)
//   member: <sweep>/members/<id> holds the member's config.json; its checkpoints are
//           <sweep>/checkpoints/<id>/gen-NNNN.ckpt (state only), newest first, none newer than
//           the one sweep.json records (a newer one belongs to a generation never recorded)
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { decodeRunConfig } from "../config/run-config.ts";
import { CheckpointCorrupt, ConfigInvalid, RunNotFound } from "../errors.ts";
import { readCheckpoint } from "./checkpoint-file.ts";
import { memberConfig } from "./member-config.ts";
import { exists } from "./run-store.ts";
import type { SweepState } from "./sweep-state.ts";
import type { EganMemberConfig, MemberState } from "../worker/protocol.ts";

export interface RunWeights {
  /** The run directory's name, or <sweep>/<member id> for a sweep member. */
  readonly name: string;
  readonly config: EganMemberConfig;
  readonly state: MemberState;
  /** Iterations trained when the checkpoint was written. */
  readonly it: number;
  /** The checkpoint file read. */
  readonly file: string;
  /** Newer checkpoints passed over because they were damaged, newest first. */
  readonly passedOver: readonly CheckpointCorrupt[];
}

const RUN_CHECKPOINTS = ["final.ckpt", "latest.ckpt", "previous.ckpt"];
const GENERATION_FILE = /^gen-\d+\.ckpt$/;

/** The newest intact checkpoint of `dir`: RunNotFound when `dir` is no run or has none yet, CheckpointCorrupt when every one is damaged. */
export async function newestRunWeights(dir: string): Promise<RunWeights> {
  if (!(await exists(join(dir, "config.json")))) {
    if (await exists(join(dir, "sweep-config.json"))) {
      const ids = await readdir(join(dir, "members")).catch(() => [] as string[]);
      throw new RunNotFound({ path: dir, message: `${dir} is a sweep directory: export one of its members, ${join(dir, "members", ids.sort()[0] ?? "<id>")}${ids.length > 1 ? ` (of ${ids.length})` : ""}` });
    }
    throw new RunNotFound({ path: dir, message: `not a run directory: ${dir} (no config.json)` });
  }
  // Names from the absolute path: `evogan export .` inside a run names it too.
  const abs = resolve(dir);
  const sweepDir = dirname(dirname(abs));
  const isMember = basename(dirname(abs)) === "members" && (await exists(join(sweepDir, "sweep-config.json")));
  return isMember ? memberWeights(dir, sweepDir, basename(abs)) : runWeights(dir);
}

async function runWeights(dir: string): Promise<RunWeights> {
  const found = await firstIntact(RUN_CHECKPOINTS.map((f) => join(dir, "checkpoints", f)), (saved, file) => {
    const s = saved as { config?: EganMemberConfig; state?: MemberState; it?: number };
    if (!s?.config || !s.state?.trainer) throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: not a run checkpoint (no config or state)` });
    return { config: s.config, state: s.state, it: s.it ?? s.state.trainer.it };
  });
  if (!found) throw new RunNotFound({ path: dir, message: `no checkpoint in ${dir} yet (a run writes checkpoints/latest.ckpt at its first evaluation)` });
  // Its directory's name, as the run store and the reports name a run.
  return { name: basename(resolve(dir)), ...found };
}

async function memberWeights(dir: string, sweepDir: string, id: string): Promise<RunWeights> {
  const configFile = join(dir, "config.json");
  let config: EganMemberConfig;
  try {
    config = memberConfig(decodeRunConfig(await readJson(configFile)));
  } catch (e) {
    throw new ConfigInvalid({ path: configFile, message: `${configFile}: ${e instanceof Error ? e.message : String(e)}` });
  }
  const recorded = await readJson(join(sweepDir, "sweep.json")).then(
    (s) => (s as SweepState | undefined)?.members?.find((m) => m.id === id)?.checkpoint,
    () => undefined,
  );
  const files = (await readdir(join(sweepDir, "checkpoints", id)).catch(() => [] as string[]))
    .filter((f) => GENERATION_FILE.test(f))
    .map((f) => `checkpoints/${id}/${f}`)
    .filter((rel) => recorded === undefined || rel <= recorded)
    .sort()
    .reverse();
  const found = await firstIntact(files.map((rel) => join(sweepDir, rel)), (saved, file) => {
    const s = saved as { state?: MemberState };
    if (!s?.state?.trainer) throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: not a member checkpoint (no state)` });
    return { config, state: s.state, it: s.state.trainer.it };
  });
  if (!found) throw new RunNotFound({ path: dir, message: `no checkpoint of member ${id} yet (looked in ${join(sweepDir, "checkpoints", id)})` });
  return { name: `${basename(sweepDir)}/${id}`, ...found };
}

/** The first of `files` that exists and reads intact; the damaged ones before it are passed over. Undefined when none exists. */
async function firstIntact<T>(files: readonly string[], check: (saved: unknown, file: string) => T): Promise<(T & { file: string; passedOver: CheckpointCorrupt[] }) | undefined> {
  const passedOver: CheckpointCorrupt[] = [];
  for (const file of files) {
    try {
      return { ...check(await readCheckpoint(file), file), file, passedOver };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      passedOver.push(e instanceof CheckpointCorrupt ? e : new CheckpointCorrupt({ file, message: `cannot read checkpoint ${file}: ${(e as Error).message}` }));
    }
  }
  if (passedOver.length > 0) {
    const [newest, ...older] = passedOver;
    throw new CheckpointCorrupt({ file: newest.file, message: older.length > 0 ? `${newest.message}; the older ones are damaged too (${older.map((e) => basename(e.file)).join(", ")})` : newest.message });
  }
  return undefined;
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  return JSON.parse((await readFile(file, "utf8")).replace(/^\uFEFF/, "")) as Record<string, unknown> | undefined;
}
