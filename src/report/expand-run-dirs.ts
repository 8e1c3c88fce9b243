import { join } from "node:path";
import { isSweepDir, readSweepLineage, type SweepLineage } from "./sweep-lineage.ts";

export interface ExpandedDirs {
  /** Run directories, in the order given, each sweep replaced by its members. */
  readonly runDirs: readonly string[];
  /** One per sweep directory given. */
  readonly lineage: readonly SweepLineage[];
}

/** Replaces every sweep directory among `dirs` by its members' run directories and reads its lineage. */
export async function expandRunDirs(dirs: readonly string[]): Promise<ExpandedDirs> {
  const parts = await Promise.all(
    dirs.map(async (dir) => {
      if (!(await isSweepDir(dir))) return { runDirs: [dir], lineage: [] };
      const lineage = await readSweepLineage(dir);
      return { runDirs: lineage.members.map((id) => join(dir, "members", id)), lineage: [lineage] };
    }),
  );
  return { runDirs: parts.flatMap((p) => p.runDirs), lineage: parts.flatMap((p) => p.lineage) };
}
