import { readFile } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import type { EvalRecord, RunEvent } from "../records.ts";
import type { RunData } from "./read-run.ts";

/** A run's latest picture of generator samples: a toy scatter plot or an image sample grid. */
export interface SampleGrid {
  /** Iteration of the evaluation that drew it. */
  readonly it: number;
  /** Path relative to the run directory, as the eval record names it. */
  readonly path: string;
  readonly png: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const isPng = (bytes: Uint8Array): boolean => PNG_SIGNATURE.every((b, i) => bytes[i] === b);

const isEval = (e: RunEvent): e is EvalRecord => e.type === "eval";

/** A path that stays inside the run directory (no absolute path, no `..` out of it). */
function insideRun(path: string): boolean {
  const n = normalize(path);
  return !isAbsolute(n) && n !== ".." && !n.startsWith(`..${sep}`);
}

/**
 * The plot of the last eval record, read from the run directory; undefined when the record names
 * none, or the file is missing (not written yet, or pruned), outside the run, or not a PNG.
 */
export async function readLatestPlot(run: RunData): Promise<SampleGrid | undefined> {
  const last = run.events.filter(isEval).at(-1);
  if (last?.plot === undefined || !insideRun(last.plot)) return undefined;
  try {
    const png = new Uint8Array(await readFile(join(run.dir, last.plot)));
    return isPng(png) ? { it: last.it, path: last.plot, png } : undefined;
  } catch {
    return undefined;
  }
}
