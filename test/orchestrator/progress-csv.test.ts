// progress.csv and result.json, the flat views of a run's records, on real files: read back by
// real pandas (`pd.read_csv(file)`, no arguments), cut back by resume exactly as an uninterrupted
// run would have written them, a line torn by a kill dropped.
import { appendFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import type { Hypers } from "../../strategies/search-space.ts";
import type { EndRecord, EvalRecord, ImageMetrics, IterationRecord, RunEvent, ToyMetrics } from "../../src/records.ts";
import { appendProgress, PROGRESS_CSV, truncateProgress } from "../../src/orchestrator/progress-csv.ts";
import { RESULT_JSON } from "../../src/orchestrator/run-result.ts";
import { RunStore, RunStoreLive } from "../../src/orchestrator/run-store.ts";
import { readJsonl } from "../helpers/sweep-records.ts";
import { readCsvWithPandas, skipWithoutPandas } from "../helpers/pandas-csv.ts";
import { Rng } from "../../src/util/rng.ts";

const skip = skipWithoutPandas("progress-csv.test.ts");

const TOY_COLUMNS = ["iteration", "elapsedSeconds", "samples", "modes", "totalModes", "highQuality", "reverseKL", "mmd"];

const iteration = (it: number): IterationRecord => ({
  type: "iteration",
  it,
  children: [{ mutation: "minimax", parent: 0, Fq: 0.25, Fd: -1.5, F: 0.1 }],
  survivors: [0],
  dLoss: 0.69,
  elapsedMs: 10 * it,
});

const toyEval = (it: number, metrics: Partial<ToyMetrics> = {}, elapsedMs = 13 * it): EvalRecord => ({
  type: "eval",
  it,
  metrics: { samples: 500, modes: 3, totalModes: 8, highQuality: 0.5 + it / 1000, reverseKL: 0.3 / it, mmd: 1 / (3 * it), ...metrics },
  plot: `samples/it-${String(it).padStart(6, "0")}.png`,
  elapsedMs,
});

const imageEval = (it: number, metrics: Partial<ImageMetrics> = {}): EvalRecord => ({
  type: "eval",
  it,
  metrics: { samples: 1000, fid: 120 / it, inceptionScore: 1 + it / 7, classTvd: 0.2, ...metrics },
  elapsedMs: 1000 * it,
});

const newDir = () => mkdtemp(join(tmpdir(), "evogan-progress-"));

/** What a column should hold for these records: each value as events.jsonl holds it (JSON: NaN and ±Infinity as null, −0 as 0). */
function expectedColumn(records: readonly EvalRecord[], column: string, hypers: readonly (Hypers | undefined)[] = []): unknown[] {
  return records.map((r, i) => {
    const v =
      column === "iteration" ? r.it : column === "elapsedSeconds" ? r.elapsedMs / 1000 : column.startsWith("config/") ? hypers[i]?.[column.slice(7)] : (r.metrics as Record<string, unknown>)[column];
    return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
  });
}

/**
 * Every column pandas reads equals events.jsonl's values: exactly when read round-trip (the text
 * spells each double exactly), and within 1e-11 relative with pandas' default parser, which is
 * fast rather than exact (measured on 20,000 random doubles as progress.csv writes them: ≤ 8e-13).
 */
function expectColumnsRead(file: string, records: readonly EvalRecord[], columns: readonly string[], hypers: readonly (Hypers | undefined)[] = []) {
  const frame = readCsvWithPandas(file);
  expect(frame.columns).toEqual(columns);
  for (const c of columns) {
    const want = expectedColumn(records, c, hypers);
    expect(frame.exact[c], c).toEqual(want.map((v) => (Array.isArray(v) ? JSON.stringify(v) : v)));
    frame.values[c].forEach((v, i) => {
      if (typeof v === "number") expect(Math.abs(v - (want[i] as number)), `${c}[${i}]`).toBeLessThanOrEqual(1e-11 * Math.abs(want[i] as number));
    });
  }
  return frame;
}

describe.skipIf(skip)("progress.csv", () => {
  it("gets one row per eval record, under a header written once; pandas reads every metric column as numbers, NaN and a missing metric as empty cells", async () => {
    const dir = await newDir();
    const evals = [
      toyEval(20),
      toyEval(40, { highQuality: Number.NaN, reverseKL: Number.POSITIVE_INFINITY }),
      // Awkward doubles: the smallest subnormal, a huge one, negative zero, a value with 17 significant digits.
      toyEval(60, { mmd: 5e-324, reverseKL: 1.7976931348623157e308, highQuality: -0, samples: 1e21 }),
      toyEval(80, { mmd: 0.1 + 0.2 }),
    ];
    const { mmd: _, ...withoutMmd } = toyEval(100).metrics as ToyMetrics;
    const old = { ...toyEval(100), metrics: withoutMmd };
    await appendProgress(dir, [iteration(19), evals[0], iteration(20), iteration(21)]);
    await appendProgress(dir, [evals[1]]);
    await appendProgress(dir, [iteration(41), evals[2], evals[3]]);
    await appendProgress(dir, [old]);
    const all = [...evals, old];
    const text = await readFile(join(dir, PROGRESS_CSV), "utf8");
    expect(text.split("\n").filter((l) => l.startsWith("iteration,"))).toHaveLength(1);
    // NaN and Infinity as empty cells (not "NaN", which other readers than pandas may take for text).
    expect(text.split("\n")[2]).toBe(`40,0.52,500,3,8,,,${1 / 120}`);
    const frame = expectColumnsRead(join(dir, PROGRESS_CSV), all, TOY_COLUMNS);
    expect(frame.dtypes).toEqual({ iteration: "int64", elapsedSeconds: "float64", samples: "float64", modes: "int64", totalModes: "int64", highQuality: "float64", reverseKL: "float64", mmd: "float64" });
  });

  it("writes every double so that pandas reads it back exactly round-trip, and within 1e-11 with its default parser, from 1e-12 to 1e12", async () => {
    const dir = await newDir();
    const rng = new Rng(15);
    const evals = Array.from({ length: 2000 }, (_, i) => toyEval(i + 1, { mmd: (rng.uniform() + 0.01) * 10 ** (rng.int(25) - 12), reverseKL: rng.normal() }));
    await appendProgress(dir, evals);
    expectColumnsRead(join(dir, PROGRESS_CSV), evals, TOY_COLUMNS);
  });

  it("gets the image metrics' columns for an image run", async () => {
    const dir = await newDir();
    const evals = [imageEval(500), imageEval(1000, { fid: Number.NaN })];
    await appendProgress(dir, evals);
    const frame = expectColumnsRead(join(dir, PROGRESS_CSV), evals, ["iteration", "elapsedSeconds", "samples", "fid", "inceptionScore", "classTvd"]);
    expect(frame.dtypes.fid).toBe("float64");
  });

  it("gives a sweep member config/ columns, its hyperparameters at each evaluation; text and lists are quoted so that pandas reads them whole", async () => {
    const dir = await newDir();
    const before: Hypers = { "trainer.g.lr": 2e-4, "trainer.gamma": 0.5, "trainer.mutations": ["minimax", "least-squares"], "model.note": 'a, "quoted" b', "trainer.ema.on": true };
    const after: Hypers = { ...before, "trainer.g.lr": 3.1e-4, "trainer.mutations": ["heuristic"], "trainer.ema.on": false };
    const evals = [toyEval(30), toyEval(60), toyEval(90)];
    await appendProgress(dir, [evals[0]], before);
    await appendProgress(dir, [evals[1]], before);
    await appendProgress(dir, [evals[2]], after);
    const configColumns = ["config/model.note", "config/trainer.ema.on", "config/trainer.g.lr", "config/trainer.gamma", "config/trainer.mutations"];
    const frame = expectColumnsRead(join(dir, PROGRESS_CSV), evals, [...TOY_COLUMNS, ...configColumns], [before, before, after]);
    expect(frame.dtypes).toMatchObject({ "config/trainer.g.lr": "float64", "config/trainer.ema.on": "bool", "config/trainer.mutations": "object" });
    expect(frame.exact["config/trainer.mutations"].map((v) => JSON.parse(v as string))).toEqual([before["trainer.mutations"], before["trainer.mutations"], after["trainer.mutations"]]);
  });

  it("never changes its header: a later record fills the file's columns, whatever its own metrics and hyperparameters", async () => {
    const dir = await newDir();
    await appendProgress(dir, [toyEval(10)]);
    const header = (await readFile(join(dir, PROGRESS_CSV), "utf8")).split("\n")[0];
    const { mmd: _, ...withoutMmd } = toyEval(20).metrics as ToyMetrics;
    const later = [{ ...toyEval(20), metrics: { ...withoutMmd, extra: 7 } as ToyMetrics }];
    await appendProgress(dir, later, { "trainer.g.lr": 1e-3 });
    const lines = (await readFile(join(dir, PROGRESS_CSV), "utf8")).trimEnd().split("\n");
    expect(lines[0]).toBe(header);
    expect(lines).toHaveLength(3);
    const frame = readCsvWithPandas(join(dir, PROGRESS_CSV));
    expect(frame.columns).toEqual(TOY_COLUMNS);
    expect(frame.exact.mmd).toEqual([(toyEval(10).metrics as ToyMetrics).mmd, null]);
    expect(frame.exact.modes).toEqual([3, 3]);
  });

  it("is cut back by resume to the rows of iterations ≤ the checkpoint's, a line torn by a kill dropped: then it goes on as an uninterrupted run's", async () => {
    const evals = [20, 40, 60, 80, 100].map((it) => toyEval(it));
    const hypers: Hypers = { "model.note": "two\nlines", "trainer.g.lr": 1e-4 };
    const reference = await newDir();
    await appendProgress(reference, evals, hypers);

    const killed = await newDir();
    await appendProgress(killed, evals.slice(0, 4), hypers);
    // Killed mid-append of the row for iteration 100.
    await appendFile(join(killed, PROGRESS_CSV), "100,1.3,500,3,8,0.");
    await truncateProgress(killed, 60);
    const cut = await readFile(join(killed, PROGRESS_CSV), "utf8");
    expect(cut.endsWith("\n")).toBe(true);
    expectColumnsRead(join(killed, PROGRESS_CSV), evals.slice(0, 3), [...TOY_COLUMNS, "config/model.note", "config/trainer.g.lr"], [hypers, hypers, hypers]);
    await appendProgress(killed, evals.slice(3), hypers);
    expect(await readFile(join(killed, PROGRESS_CSV), "utf8")).toBe(await readFile(join(reference, PROGRESS_CSV), "utf8"));
  });

  it("is removed by the cut when not even its header is whole; the next evaluation writes the header again", async () => {
    const reference = await newDir();
    await appendProgress(reference, [toyEval(50)]);
    const killed = await newDir();
    await writeFile(join(killed, PROGRESS_CSV), "iteration,elapsedSec");
    await truncateProgress(killed, 0);
    await expect(readFile(join(killed, PROGRESS_CSV))).rejects.toMatchObject({ code: "ENOENT" });
    await appendProgress(killed, [toyEval(50)]);
    expect(await readFile(join(killed, PROGRESS_CSV), "utf8")).toBe(await readFile(join(reference, PROGRESS_CSV), "utf8"));
    // A run cut back before any file was written: nothing to do.
    await truncateProgress(await newDir(), 10);
  });
});

const run = <A, E>(program: Effect.Effect<A, E, RunStore>) => Effect.runPromise(program.pipe(Effect.provide(RunStoreLive)));

describe.skipIf(skip)("a run directory's flat views (RunStore)", () => {
  it("result.json comes with the end record: status, iterations, times and the last evaluation's metrics; resume's cut removes it with the end record and cuts progress.csv with events.jsonl", async () => {
    const out = await newDir();
    const evals = [toyEval(50), toyEval(100, { reverseKL: Number.NaN })];
    const end: EndRecord = { type: "end", it: 120, elapsedMs: 2345, itersPerSec: 51.2 };
    const startedAt = new Date(Date.now() - 5000).toISOString();
    const handle = await run(
      Effect.gen(function* () {
        const store = yield* RunStore;
        const h = yield* store.create(out, "flat", { name: "flat" });
        yield* store.writeInfo(h, { name: h.name, backend: "wasm", status: "running", startedAt, updatedAt: startedAt, seed: 1, iterations: 120 });
        const events: RunEvent[] = [...Array.from({ length: 50 }, (_, i) => iteration(i + 1)), evals[0], ...Array.from({ length: 70 }, (_, i) => iteration(i + 51))];
        yield* store.appendEvents(h, events.slice(0, 100));
        yield* store.appendEvents(h, [...events.slice(100), evals[1], end]);
        return h;
      }),
    );
    const result = JSON.parse(await readFile(join(handle.dir, RESULT_JSON), "utf8"));
    // The metrics as events.jsonl holds them (NaN as null).
    const logged = (await readJsonl(join(handle.dir, "events.jsonl"))).filter((e) => e.type === "eval");
    expect(result).toMatchObject({ name: "flat", status: "finished", iterations: 120, elapsedSeconds: 2.345, itersPerSec: 51.2, startedAt, evaluatedAt: 100, metrics: logged[1].metrics });
    expect(result.metrics.reverseKL).toBeNull();
    expect(result.wallSeconds).toBeCloseTo((Date.parse(result.finishedAt) - Date.parse(startedAt)) / 1000, 6);
    expect(result.wallSeconds).toBeGreaterThanOrEqual(5);
    expect(result).not.toHaveProperty("hypers");
    expectColumnsRead(join(handle.dir, PROGRESS_CSV), evals, TOY_COLUMNS);

    await run(
      Effect.gen(function* () {
        const store = yield* RunStore;
        yield* store.truncateEvents(handle, 60);
      }),
    );
    await expect(readFile(join(handle.dir, RESULT_JSON))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await readJsonl(join(handle.dir, "events.jsonl"))).filter((e) => e.type === "eval").map((e) => e.it)).toEqual([50]);
    expectColumnsRead(join(handle.dir, PROGRESS_CSV), evals.slice(0, 1), TOY_COLUMNS);
  });

  it("a progress.csv that cannot be written fails the append with RunStoreFailed naming it, after events.jsonl has the records", async () => {
    const out = await newDir();
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const store = yield* RunStore;
        const h = yield* store.create(out, "blocked", {});
        // A directory where the file should be: appending to it fails (EISDIR).
        yield* Effect.promise(() => mkdir(join(h.dir, PROGRESS_CSV)));
        yield* store.appendEvents(h, [iteration(1), toyEval(1)]);
      }).pipe(Effect.provide(RunStoreLive)),
    );
    expect(exit._tag).toBe("Failure");
    const failure = JSON.stringify(exit);
    expect(failure).toContain("RunStoreFailed");
    expect(failure).toMatch(/progress\.csv: EISDIR/);
    expect((await readJsonl(join(out, "blocked", "events.jsonl"))).map((e) => e.type)).toEqual(["iteration", "eval"]);
  });
});
