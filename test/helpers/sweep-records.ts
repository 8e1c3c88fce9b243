import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export const readJsonl = async (file: string) =>
  (await readFile(file, "utf8"))
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Everything a sweep recorded (its log and every member's events), minus wall-clock times. */
export async function sweepRecords(dir: string): Promise<{ sweep: Array<Record<string, unknown>>; members: Record<string, unknown> }> {
  const members = (await readdir(join(dir, "members"))).sort();
  const strip = ({ elapsedMs: _e, computeMs: _c, itersPerSec: _i, ...rest }: Record<string, unknown>) => rest;
  return {
    sweep: (await readJsonl(join(dir, "sweep.jsonl"))).map(strip),
    members: Object.fromEntries(await Promise.all(members.map(async (m) => [m, (await readJsonl(join(dir, "members", m, "events.jsonl"))).map(strip)]))),
  };
}
