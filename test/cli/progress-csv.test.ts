// progress.csv and result.json of real runs and sweeps through the real CLI: pandas (Debian's
// python3-pandas) reads a run's progress.csv with no arguments, one row per evaluation, numbers
// equal to events.jsonl's eval records; a sweep member's rows carry the hyperparameters that
// sweep.jsonl logged for it; a run killed with -9 at a random moment, with a torn last row, and
// resumed ends with the rows of the uninterrupted one (the wall-clock column aside). A killed and
// resumed sweep's progress.csv files are checked in test/orchestrator/sweep.test.ts, a run's without
// a torn row in test/cli/run-resume.test.ts.
import { appendFile, mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evogan, evoganLife, killAfterCreated } from "../helpers/cli-process.ts";
import { readCsvWithPandas, skipWithoutPandas } from "../helpers/pandas-csv.ts";
import { readJsonl } from "../helpers/sweep-records.ts";
import { Rng } from "../../src/util/rng.ts";

const skipPandas = skipWithoutPandas("test/cli/progress-csv.test.ts");

// As in run-resume.test.ts: small nets, three mutations, five evaluations over 100 iterations.
const tiny = [
  "--backend", "wasm", "--no-report",
  ...["trainer.mutations=[\"minimax\",\"heuristic\",\"least-squares\"]", "model.gHidden=[16,16]", "model.dHidden=[16,16]", "budget.iterations=100", "eval.every=20", "eval.samples=500", "trainer.evalBatchSize=64"].flatMap((s) => ["--set", s]),
];
const SWEEP = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const smallSweep = ["--set", "generations=3", "--set", "segment.iterations=20"];
const TOY_COLUMNS = ["iteration", "elapsedSeconds", "samples", "modes", "totalModes", "highQuality", "reverseKL", "mmd"];

/**
 * How many random kill points for the run: one by default (run-resume.test.ts kills the same run at
 * three more and checks its progress.csv too); EVOGAN_KILL_POINTS raises it, to at most 6.
 */
const KILLS = Math.min(Number(process.env.EVOGAN_KILL_POINTS ?? 1), 6);

type Row = Record<string, unknown>;

/** progress.csv's lines without the wall-clock column (the second; no field of these files is quoted). */
const withoutElapsed = async (file: string) =>
  (await readFile(file, "utf8")).split("\n").map((l) => l.split(",").filter((_, i) => i !== 1).join(","));

/** What each column of progress.csv should hold: the eval records of events.jsonl, as JSON holds them (NaN as null). */
function expectedColumns(evals: readonly Row[], hypers: readonly Row[] = []): Record<string, unknown[]> {
  const columns: Record<string, unknown[]> = {
    iteration: evals.map((e) => e.it),
    elapsedSeconds: evals.map((e) => (e.elapsedMs as number) / 1000),
  };
  for (const c of TOY_COLUMNS.slice(2)) columns[c] = evals.map((e) => (e.metrics as Row)[c] ?? null);
  for (const k of Object.keys(hypers[0] ?? {})) columns[`config/${k}`] = hypers.map((h) => h[k]);
  return columns;
}

/** pandas' reading of progress.csv: the columns, numeric dtypes, and exactly the expected values (within 1e-11 with its default fast parser, as test/orchestrator/progress-csv.test.ts says). */
function expectPandasReads(file: string, want: Record<string, unknown[]>) {
  const frame = readCsvWithPandas(file);
  expect(frame.columns).toEqual(Object.keys(want));
  for (const [c, values] of Object.entries(want)) {
    expect(["int64", "float64"], `${c}: ${frame.dtypes[c]}`).toContain(frame.dtypes[c]);
    expect(frame.exact[c], c).toEqual(values);
    frame.values[c].forEach((v, i) => {
      if (typeof v === "number") expect(Math.abs(v - (values[i] as number)), `${c}[${i}]`).toBeLessThanOrEqual(1e-11 * Math.abs(values[i] as number));
    });
  }
}

let out: string;
let lifeMs: number;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-progress-cli-"));
  const life = await evoganLife(["run", ...tiny, "--set", `outDir=${out}`, "--set", "name=ref"], join(out, "ref"), "run.json", '"finished"');
  lifeMs = life.lifeMs;
  expect(life.done.stderr).toBe("");
  expect(life.done.code).toBe(0);
  const sweep = await evogan(["sweep", SWEEP, ...smallSweep, "--set", `outDir=${out}`, "--set", "name=sweep"]);
  expect(sweep.stderr).toBe("");
  expect(sweep.code).toBe(0);
}, 120_000);

describe("progress.csv and result.json of a run", () => {
  it.skipIf(skipPandas)("pandas reads progress.csv as one row per evaluation, every column numeric and equal to events.jsonl's eval records; result.json holds the end record and the last evaluation", async () => {
    const dir = join(out, "ref");
    const events = await readJsonl(join(dir, "events.jsonl"));
    const evals = events.filter((e) => e.type === "eval");
    expect(evals.map((e) => e.it)).toEqual([20, 40, 60, 80, 100]);
    expectPandasReads(join(dir, "progress.csv"), expectedColumns(evals));

    const end = events.at(-1)!;
    expect(end.type).toBe("end");
    const info = JSON.parse(await readFile(join(dir, "run.json"), "utf8"));
    const result = JSON.parse(await readFile(join(dir, "result.json"), "utf8"));
    expect(result).toEqual({
      name: "ref",
      status: "finished",
      iterations: end.it,
      elapsedSeconds: (end.elapsedMs as number) / 1000,
      itersPerSec: end.itersPerSec,
      startedAt: info.startedAt,
      finishedAt: result.finishedAt,
      wallSeconds: (Date.parse(result.finishedAt) - Date.parse(info.startedAt)) / 1000,
      evaluatedAt: 100,
      metrics: evals.at(-1)!.metrics,
    });
    expect(Date.parse(result.finishedAt)).toBeLessThanOrEqual(Date.parse(info.updatedAt));
  });

  it(`kill -9 at ${KILLS} random moment${KILLS === 1 ? "" : "s"}, a torn last line added as a kill mid-write leaves it, then resume: progress.csv has the uninterrupted run's rows and result.json its metrics`, async () => {
    const reference = await withoutElapsed(join(out, "ref", "progress.csv"));
    const referenceResult = JSON.parse(await readFile(join(out, "ref", "result.json"), "utf8"));
    const rng = new Rng(Date.now() >>> 0);
    const outcomes: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const name = `kill-${k}`;
      const dir = join(out, name);
      const delay = rng.int(Math.max(1, lifeMs));
      const killed = await evogan(["run", ...tiny, "--set", `outDir=${out}`, "--set", `name=${name}`], { killWhen: killAfterCreated(dir, delay) });
      const status = JSON.parse(await readFile(join(dir, "run.json"), "utf8").catch(() => "{}")).status;
      const rows = (await readFile(join(dir, "progress.csv"), "utf8").catch(() => "")).split("\n").length - 2;
      if (status !== "finished") {
        // A kill in the middle of appending a row leaves part of it (no line break): resume drops it.
        await appendFile(join(dir, "progress.csv"), rows < 0 ? "iteration,elapsedSe" : "100,0.7,500,2,25,0.0");
        expect(await readdir(dir)).not.toContain("result.json");
      }
      const resumed = await evogan(["resume", dir]);
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(0);
      expect(await withoutElapsed(join(dir, "progress.csv"))).toEqual(reference);
      const result = JSON.parse(await readFile(join(dir, "result.json"), "utf8"));
      expect(result).toMatchObject({ status: "finished", iterations: 100, evaluatedAt: 100, metrics: referenceResult.metrics });
      outcomes.push(`${delay} ms: ${killed.signal === "SIGKILL" ? `killed with ${Math.max(rows, 0)} rows` : "finished first"}`);
    }
    console.log(`progress.csv kill points (life ${lifeMs} ms): ${outcomes.join("; ")}`);
  }, 60_000 * KILLS);
});

describe("progress.csv and result.json of sweep members", () => {
  it.skipIf(skipPandas)("every member's rows carry the hyperparameters sweep.jsonl logged for it at that generation; result.json its final hyperparameters and metrics", async () => {
    const dir = join(out, "sweep");
    const generations = (await readJsonl(join(dir, "sweep.jsonl"))).filter((e) => e.type === "generation");
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(generations).toHaveLength(3);
    const members = (await readdir(join(dir, "members"))).sort();
    expect(members).toEqual(state.members.map((m: Row) => m.id).sort());
    // A member copied another at some generation (PBT's exploit), so some rows' hyperparameters change.
    let changed = 0;
    for (const id of members) {
      const events = await readJsonl(join(dir, "members", id, "events.jsonl"));
      const evals = events.filter((e) => e.type === "eval");
      expect(evals.map((e) => e.it)).toEqual([20, 40, 60]);
      // The standings of generation g list the hyperparameters the member trained that generation with.
      const hypers = generations.map((g) => (g.standings as Row[]).find((s) => s.id === id)!.hypers as Row);
      changed += hypers.filter((h, g) => g > 0 && JSON.stringify(h) !== JSON.stringify(hypers[g - 1])).length;
      expectPandasReads(join(dir, "members", id, "progress.csv"), expectedColumns(evals, hypers));
      const result = JSON.parse(await readFile(join(dir, "members", id, "result.json"), "utf8"));
      const end = events.at(-1)!;
      expect(result).toMatchObject({ name: id, status: "finished", iterations: end.it, itersPerSec: end.itersPerSec, evaluatedAt: 60, metrics: evals.at(-1)!.metrics });
      expect(result.hypers).toEqual(state.members.find((m: Row) => m.id === id).hypers);
    }
    expect(changed).toBeGreaterThan(0);
  });
});
