// Run and sweep directories for the HTML report tests, built from the fixture run.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isImageMetrics, isToyMetrics, type RunEvent } from "../../src/records.ts";
import { parseEvents } from "../../src/report/read-run.ts";
import { renderScatter } from "../../src/report/scatter-plot.ts";
import { FIXTURE_RUN, runInfo } from "./run-dir.ts";

export interface TempDir {
  readonly dir: string;
  readonly cleanup: () => Promise<void>;
}

/** A small valid PNG, like the ones runs write to samples/. */
export const samplePng = (): Buffer =>
  renderScatter({ points: new Float32Array([0, 0, 1, 1, -1, 0.5, 2, -2]), centres: new Float32Array([0, 0, 2, 2, -2, -2]), range: 3, size: 64 });

/** The fixture's event `e`, shifted by `k` so that variants draw distinguishable curves (k = 0: unchanged). */
function vary(e: RunEvent, k: number): RunEvent {
  const slower = (ms: number) => Math.round(ms * (1 + 0.25 * k));
  switch (e.type) {
    case "iteration":
      return { ...e, children: e.children.map((c) => ({ ...c, F: c.F - 0.3 * k })), dLoss: e.dLoss + 0.04 * k, elapsedMs: slower(e.elapsedMs) };
    case "eval": {
      const m = e.metrics;
      const metrics = isImageMetrics(m)
        ? { ...m, fid: m.fid + 5 * k, inceptionScore: m.inceptionScore - 0.2 * k, classTvd: m.classTvd + 0.02 * k }
        : isToyMetrics(m)
          ? { ...m, modes: Math.max(0, m.modes - 2 * k), highQuality: m.highQuality - 0.04 * k, reverseKL: m.reverseKL + 0.1 * k }
          : m;
      return { ...e, metrics, elapsedMs: slower(e.elapsedMs) };
    }
    case "end":
      return { ...e, elapsedMs: slower(e.elapsedMs) };
  }
}

export interface CopyOptions {
  /** Writes the scatter plot that the last eval record names. */
  readonly withPlot?: boolean;
  /** Shifts the curves (see `vary`). */
  readonly variant?: number;
  /** Keeps only the first `lines` records and appends a torn line, like a run still being written. */
  readonly lines?: number;
  /** Renames the fixture's "minimax" mutation (a hostile name, for escaping tests). */
  readonly minimaxAs?: string;
}

const renameMinimax = (e: RunEvent, name: string): RunEvent =>
  e.type === "iteration" ? { ...e, children: e.children.map((c) => (c.mutation === "minimax" ? { ...c, mutation: name } : c)) } : e;

/** A copy of the fixture run in `dir`, named `name`. */
export async function copyFixtureRun(dir: string, name: string, options: CopyOptions = {}): Promise<void> {
  await mkdir(join(dir, "samples"), { recursive: true });
  const path = join(FIXTURE_RUN, "events.jsonl");
  const events = parseEvents(await readFile(path, "utf8"), path).map((e) => renameMinimax(vary(e, options.variant ?? 0), options.minimaxAs ?? "minimax"));
  const kept = options.lines === undefined ? events : events.slice(0, options.lines);
  const torn = options.lines === undefined ? "" : '{"type":"iteration","it":99,"chil';
  await writeFile(join(dir, "events.jsonl"), `${kept.map((e) => JSON.stringify(e)).join("\n")}\n${torn}`);
  await copyFile(join(FIXTURE_RUN, "config.json"), join(dir, "config.json"));
  const status = options.lines === undefined ? "finished" : "running";
  await writeFile(join(dir, "run.json"), JSON.stringify(runInfo({ name, status, iterations: 30 })));
  if (options.withPlot) await writeFile(join(dir, "samples", "it-000030.png"), samplePng());
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
 * A PBT sweep directory of three members (shifted copies of the fixture run; m0 has a scatter
 * plot, m1 is still being written):
 * generation 0 has m2 copy m0 with lr 0.001 → 0.0012, generation 1 has m1 copy m0 with no change,
 * then a retry record and a torn last line, as a sweep still writing leaves it.
 */
export async function makeSweepDir(): Promise<TempDir> {
  const t = await tempDir();
  await copyFixtureRun(join(t.dir, "members", "m0"), "m0", { withPlot: true, variant: 1 });
  await copyFixtureRun(join(t.dir, "members", "m1"), "m1", { variant: 2, lines: 21 });
  await copyFixtureRun(join(t.dir, "members", "m2"), "m2", { variant: 3 });
  const lines = [
    generation(0, [{ target: "m2", source: "m0", reason: "bottom-quantile", oldHypers: { lr: 0.001, loss: "bce" }, newHypers: { lr: 0.0012, loss: "bce" }, explored: [] }]),
    { type: "retry", g: 1, member: "m1", attempt: 1, error: "boom", outcome: "retrying" },
    generation(1, [{ target: "m1", source: "m0", reason: "diverged", oldHypers: { lr: 0.001 }, newHypers: { lr: 0.001 }, explored: [] }]),
  ];
  await writeFile(join(t.dir, "sweep.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"type":"generation","g":2,"stand`);
  await writeFile(join(t.dir, "sweep.json"), JSON.stringify({ name: "pbt-test", members: SWEEP_MEMBERS.map((id) => ({ id })) }));
  return t;
}
