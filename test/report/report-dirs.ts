// Run and sweep directories for the HTML report tests, built from the fixture run.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderScatter } from "../../src/report/scatter-plot.ts";
import { FIXTURE_RUN, runInfo } from "./run-dir.ts";

export interface TempDir {
  readonly dir: string;
  readonly cleanup: () => Promise<void>;
}

/** A small valid PNG, like the ones runs write to samples/. */
export const samplePng = (): Buffer =>
  renderScatter({ points: new Float32Array([0, 0, 1, 1, -1, 0.5, 2, -2]), centres: new Float32Array([0, 0, 2, 2, -2, -2]), range: 3, size: 64 });

/** A copy of the fixture run in `dir` named `name`, with the scatter plot its last eval record names when `withPlot`. */
export async function copyFixtureRun(dir: string, name: string, withPlot: boolean): Promise<void> {
  await mkdir(join(dir, "samples"), { recursive: true });
  await copyFile(join(FIXTURE_RUN, "events.jsonl"), join(dir, "events.jsonl"));
  await copyFile(join(FIXTURE_RUN, "config.json"), join(dir, "config.json"));
  await writeFile(join(dir, "run.json"), JSON.stringify(runInfo({ name, status: "finished", iterations: 30 })));
  if (withPlot) await writeFile(join(dir, "samples", "it-000030.png"), samplePng());
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), "evogan-html-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const SWEEP_MEMBERS = ["m0", "m1", "m2"] as const;

const generation = (g: number, decisions: unknown[]) => ({
  type: "generation",
  g,
  standings: SWEEP_MEMBERS.map((id, i) => ({ id, fitness: id === "m2" && g === 1 ? null : 10 - i - g, hypers: { lr: 0.001 }, status: "active" })),
  ranking: [...SWEEP_MEMBERS],
  decisions,
  elapsedMs: 1000,
  computeMs: 2000,
});

/**
 * A PBT sweep directory of three members (copies of the fixture run; m0 has a scatter plot):
 * generation 0 has m2 copy m0 with lr 0.001 → 0.0012, generation 1 has m1 copy m0 with no change,
 * then a retry record and a torn last line, as a sweep still writing leaves it.
 */
export async function makeSweepDir(): Promise<TempDir> {
  const t = await tempDir();
  for (const id of SWEEP_MEMBERS) await copyFixtureRun(join(t.dir, "members", id), id, id === "m0");
  const lines = [
    generation(0, [{ target: "m2", source: "m0", reason: "bottom-quantile", oldHypers: { lr: 0.001, loss: "bce" }, newHypers: { lr: 0.0012, loss: "bce" }, explored: [] }]),
    { type: "retry", g: 1, member: "m1", attempt: 1, error: "boom", outcome: "retrying" },
    generation(1, [{ target: "m1", source: "m0", reason: "diverged", oldHypers: { lr: 0.001 }, newHypers: { lr: 0.001 }, explored: [] }]),
  ];
  await writeFile(join(t.dir, "sweep.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"type":"generation","g":2,"stand`);
  await writeFile(join(t.dir, "sweep.json"), JSON.stringify({ name: "pbt-test", members: SWEEP_MEMBERS.map((id) => ({ id })) }));
  return t;
}
