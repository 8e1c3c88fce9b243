import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { readRun } from "../../src/report/read-run.ts";
import { FIXTURE_RUN, IMAGE_FIXTURE_RUN, makeRunDir, runInfo } from "./run-dir.ts";

const iteration = (it: number, F: number | null = 1) =>
  JSON.stringify({
    type: "iteration",
    it,
    children: [{ mutation: "minimax", parent: 0, Fq: 0.5, Fd: 0.5, F }],
    survivors: [0],
    dLoss: 1.3,
    elapsedMs: 10 * it,
  });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A run directory with these events.jsonl and run.json contents; null leaves the file out. */
async function runDir(events: string | null, info: string | null = JSON.stringify(runInfo())) {
  const made = await makeRunDir({ "run.json": info ?? undefined, "events.jsonl": events ?? undefined });
  cleanups.push(made.cleanup);
  return made.dir;
}

describe("readRun", () => {
  it("ignores a partially written last line of a run in progress", async () => {
    const partial = iteration(3).slice(0, 40);
    const dir = await runDir(`${iteration(1)}\n${iteration(2)}\n${partial}`);
    const run = await readRun(dir);
    expect(run.events.map((e) => e.it)).toEqual([1, 2]);
  });

  it("keeps a complete last line whose newline is not written yet", async () => {
    const dir = await runDir(`${iteration(1)}\n${iteration(2)}`);
    expect((await readRun(dir)).events.map((e) => e.it)).toEqual([1, 2]);
  });

  it("skips a garbage line that is not the last, with a warning naming file and line", async () => {
    const dir = await runDir(`${iteration(1)}\n{"type":"iter\n${iteration(3)}\n`);
    const run = await readRun(dir);
    expect(run.events.map((e) => e.it)).toEqual([1, 3]);
    expect(run.warnings).toEqual([`${join(dir, "events.jsonl")}:2: invalid JSON; line skipped`]);
  });

  it("skips a record with a missing field, naming the field", async () => {
    const dir = await runDir(`{"type":"eval","it":5,"elapsedMs":1}\n${iteration(6)}\n`);
    const run = await readRun(dir);
    expect(run.events.map((e) => e.it)).toEqual([6]);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatch(/events\.jsonl:1: "metrics" must be an object; line skipped/);
  });

  it("reads image metrics (FID, IS, class TVD), a null FID as NaN", async () => {
    const image = (it: number, fid: number | null) => JSON.stringify({ type: "eval", it, metrics: { samples: 500, fid, inceptionScore: 2.5, classTvd: 0.25 }, plot: "samples/a.png", elapsedMs: 7 });
    const dir = await runDir(`${image(4, 12.5)}\n${image(8, null)}\n`);
    const [first, second] = (await readRun(dir)).events;
    expect(first).toEqual({ type: "eval", it: 4, metrics: { samples: 500, fid: 12.5, inceptionScore: 2.5, classTvd: 0.25 }, plot: "samples/a.png", elapsedMs: 7 });
    expect(second.type === "eval" && "fid" in second.metrics && second.metrics.fid).toBeNaN();
  });

  it("reads a toy evaluation's MMD², and one recorded before MMD² existed without it", async () => {
    const toy = (extra: object) => JSON.stringify({ type: "eval", it: 1, metrics: { samples: 10, modes: 3, totalModes: 8, highQuality: 0.5, reverseKL: 0.2, ...extra }, elapsedMs: 5 });
    const dir = await runDir(`${toy({ mmd: 0.25 })}\n${toy({})}\n`);
    const [withMmd, old] = (await readRun(dir)).events;
    expect(withMmd).toMatchObject({ metrics: { mmd: 0.25 } });
    expect(old.type === "eval" && "mmd" in old.metrics).toBe(false);
  });

  it("skips image metrics with a missing field, naming file, line and field", async () => {
    const dir = await runDir(`${iteration(1)}\n{"type":"eval","it":1,"metrics":{"samples":5,"fid":3,"classTvd":0.1},"elapsedMs":1}\n`);
    expect((await readRun(dir)).warnings).toEqual([`${join(dir, "events.jsonl")}:2: "inceptionScore" must be a number or null; line skipped`]);
  });

  it("skips metrics that are neither toy nor image metrics", async () => {
    const dir = await runDir(`{"type":"eval","it":1,"metrics":{"samples":5},"elapsedMs":1}\n`);
    expect((await readRun(dir)).warnings[0]).toMatch(/events\.jsonl:1: "metrics" must hold toy metrics \("modes", \.\.\.\) or image metrics \("fid", \.\.\.\)/);
  });

  it("reads a null fitness (how JSON.stringify writes NaN) as NaN", async () => {
    const dir = await runDir(`${iteration(1, null)}\n`);
    const [event] = (await readRun(dir)).events;
    expect(event.type === "iteration" && event.children[0].F).toBeNaN();
  });

  it("skips record types it does not know", async () => {
    const dir = await runDir(`${iteration(1)}\n{"type":"checkpoint","it":1}\n${iteration(2)}\n`);
    expect((await readRun(dir)).events.map((e) => e.type)).toEqual(["iteration", "iteration"]);
  });

  it("says which directory is not a run directory when run.json is missing", async () => {
    const dir = await runDir(`${iteration(1)}\n`, null);
    await expect(readRun(dir)).rejects.toThrow(`not a run directory: ${dir} (no run.json)`);
  });

  it("says so when events.jsonl is missing", async () => {
    const dir = await runDir(null);
    await expect(readRun(dir)).rejects.toThrow(`not a run directory: ${dir} (no events.jsonl)`);
  });

  it("says so for a path that does not exist", async () => {
    await expect(readRun("/nonexistent/evogan-run")).rejects.toThrow("not a run directory: /nonexistent/evogan-run (no run.json)");
  });

  it("calls a running run whose process is gone crashed: a dead pid on this host, or a heartbeat older than a minute", async () => {
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const now = new Date().toISOString();
    const status = async (stamp: object) => (await readRun(await runDir(`${iteration(1)}\n`, JSON.stringify({ ...runInfo(), status: "running", ...stamp })))).info.status;
    expect(await status({ pid: dead, host: hostname(), heartbeatAt: now })).toBe("crashed");
    expect(await status({ pid: process.pid, host: hostname(), heartbeatAt: new Date(Date.now() - 61_000).toISOString() })).toBe("crashed");
    expect(await status({ pid: dead, host: "another-machine", heartbeatAt: new Date(Date.now() - 61_000).toISOString() })).toBe("crashed");
    // Alive: this process with a fresh heartbeat; another machine's pid is not checked here.
    expect(await status({ pid: process.pid, host: hostname(), heartbeatAt: now })).toBe("running");
    expect(await status({ pid: dead, host: "another-machine", heartbeatAt: now })).toBe("running");
    // Written before stamps existed: left as it says.
    expect(await status({})).toBe("running");
  });

  it("names run.json when it is invalid", async () => {
    const dir = await runDir(`${iteration(1)}\n`, JSON.stringify({ ...runInfo(), status: "paused" }));
    await expect(readRun(dir)).rejects.toThrow(/run\.json: "status" must be one of/);
  });

  it("reads the fixture run: info, config and every record", async () => {
    const run = await readRun(FIXTURE_RUN);
    expect(run.info).toMatchObject({ name: "run-small", backend: "cpu", status: "finished", iterations: 30 });
    expect(run.config).toMatchObject({ trainer: "egan" });
    expect(run.events.filter((e) => e.type === "iteration")).toHaveLength(30);
    expect(run.events.filter((e) => e.type === "eval")).toHaveLength(3);
    expect(run.events.at(-1)).toEqual({ type: "end", it: 30, elapsedMs: 3000, itersPerSec: 9.5 });
  });

  it("reads the image fixture run: image metrics, the NaN child, six children per iteration", async () => {
    const run = await readRun(IMAGE_FIXTURE_RUN);
    expect(run.config).toMatchObject({ task: { dataset: "mnist" }, model: { family: "dcgan" } });
    const evals = run.events.filter((e) => e.type === "eval");
    expect(evals.map((e) => [e.it, e.metrics])).toEqual([
      [4, { samples: 500, fid: 180.5, inceptionScore: 1.8, classTvd: 0.42 }],
      [8, { samples: 500, fid: 95.25, inceptionScore: 3.4, classTvd: 0.21 }],
      [12, { samples: 500, fid: 61.75, inceptionScore: 5.1, classTvd: 0.09 }],
    ]);
    const sixth = run.events.find((e) => e.type === "iteration" && e.it === 6);
    expect(sixth?.type === "iteration" && sixth.children.map((c) => c.F)).toEqual([1.65, 0.7, NaN, 1.6, 0.4, 0.3]);
  });
});
