// Population sweeps through the real CLI in real processes: exact resume after kill -9 (records,
// and every member's progress.csv and result.json), injected worker crashes and NaN members
// (EVOGAN_FAULT_INJECT), and corrupt checkpoints.
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readJsonl, sweepRecords } from "../helpers/sweep-records.ts";
import { evogan, evoganLife, killAfterCreated, killAfterGeneration } from "../helpers/cli-process.ts";
import { Rng } from "../../src/util/rng.ts";

const CONFIG = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const small = ["--set", "generations=3", "--set", "segment.iterations=20"];

/**
 * How many random kill points the any-moment test tries. Two by default (each is a sweep and a
 * resume); the kill bar runs it with EVOGAN_KILL_POINTS=12.
 */
const KILLS = Number(process.env.EVOGAN_KILL_POINTS ?? 2);

/** progress.csv's lines without the wall-clock column (the second; no field of these files is quoted). */
const withoutElapsed = async (file: string) =>
  (await readFile(file, "utf8")).split("\n").map((l) => l.split(",").filter((_, i) => i !== 1).join(","));

let out: string;
let reference: unknown;
/** From the moment the sweep directory appears to the end of the process, in the reference sweep. */
let lifeMs: number;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-sweep-"));
  const life = await evoganLife(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=ref"], join(out, "ref"), "sweep.json", '"status": "finished"');
  const r = life.done;
  lifeMs = life.lifeMs;
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  reference = await sweepRecords(join(out, "ref"));
});

describe("evogan sweep", () => {
  it("runs PBT over the population, logging every exploit decision and one line per member", async () => {
    const sweep = await readJsonl(join(out, "ref", "sweep.jsonl"));
    expect(sweep.filter((e) => e.type === "generation")).toHaveLength(3);
    const decisions = sweep.flatMap((e) => (e.decisions as Array<{ target: string; source: string; reason: string }>) ?? []);
    expect(decisions.length).toBeGreaterThan(0);
    for (const d of decisions) expect(d.target).not.toBe(d.source);
    // Nothing trains after the last generation, so nothing is copied then: every member ends on a state it was evaluated in.
    expect(sweep.filter((e) => e.type === "generation").at(-1)!.decisions).toEqual([]);
    const state = JSON.parse(await readFile(join(out, "ref", "sweep.json"), "utf8"));
    expect(state).toMatchObject({ status: "finished", generationsDone: 3 });
    expect(state.members.map((m: { iterations: number }) => m.iterations)).toEqual([60, 60, 60, 60]);
  });

  it("a wall-clock budget (budget.seconds) ends the sweep early, after whole generations, finished, the last one ranking only", async () => {
    // Generation 0 always runs (each generation's end judges whether one more as long would pass the budget): one second ends it after a generation or two.
    const r = await evogan(["sweep", CONFIG, "--set", "generations=1000", "--set", "segment.iterations=20", "--set", "budget.seconds=1", "--set", `outDir=${out}`, "--set", "name=timed"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wall-clock budget of 1 s reached after \d+ generations/);
    const state = JSON.parse(await readFile(join(out, "timed", "sweep.json"), "utf8"));
    expect(state.status).toBe("finished");
    expect(state.generationsDone).toBeGreaterThan(0);
    expect(state.generationsDone).toBeLessThan(1000);
    expect(state.members.map((m: { iterations: number }) => m.iterations)).toEqual(state.members.map(() => 20 * state.generationsDone));
    // The budget's last generation is known before its selection: no copy leaves a member on hypers it never trained with.
    const generations = (await readJsonl(join(out, "timed", "sweep.jsonl"))).filter((e) => e.type === "generation");
    expect(generations).toHaveLength(state.generationsDone);
    expect(generations.at(-1)!.decisions).toEqual([]);
  });

  it("a finished sweep has nothing to resume: exit 0, and no record or state changes", async () => {
    const before = await sweepRecords(join(out, "ref"));
    const state = await readFile(join(out, "ref", "sweep.json"), "utf8");
    const again = await evogan(["resume", join(out, "ref")]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`nothing to resume: ${join(out, "ref")} has finished`);
    expect(await sweepRecords(join(out, "ref"))).toEqual(before);
    expect(await readFile(join(out, "ref", "sweep.json"), "utf8")).toBe(state);
  });

  it("kill -9 at a random point, then resume: the sweep completes with the same records, and every member's progress.csv has the uninterrupted sweep's rows", async () => {
    const dir = join(out, "killed");
    const delay = new Rng(Date.now() >>> 0).int(400);
    const killed = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=killed"], { killWhen: killAfterGeneration(dir, 1, delay) }); // at a random moment of generation 1
    expect(killed.signal).toBe("SIGKILL");
    const resumed = await evogan(["resume", dir]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at generation [12]/);
    expect(await sweepRecords(dir)).toEqual(reference);
    // progress.csv (the wall-clock column aside) and result.json's metrics and hyperparameters, as the uninterrupted sweep left them.
    const members = (await readdir(join(out, "ref", "members"))).sort();
    expect(members).toHaveLength(4);
    for (const id of members) {
      expect(await withoutElapsed(join(dir, "members", id, "progress.csv")), id).toEqual(await withoutElapsed(join(out, "ref", "members", id, "progress.csv")));
      const result = JSON.parse(await readFile(join(dir, "members", id, "result.json"), "utf8"));
      const want = JSON.parse(await readFile(join(out, "ref", "members", id, "result.json"), "utf8"));
      expect({ ...result.metrics, ...result.hypers }).toEqual({ ...want.metrics, ...want.hypers });
    }
  });

  it(`kill -9 at ${KILLS} random moments of a sweep's life (generation 0 and checkpoint writes included), each followed by resume: the same records`, async () => {
    const rng = new Rng(Date.now() >>> 0);
    const outcomes: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const name = `any-${k}`;
      const dir = join(out, name);
      const delay = rng.int(Math.max(1, lifeMs));
      const killed = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", `name=${name}`], { killWhen: killAfterCreated(dir, delay) });
      const state = await readFile(join(dir, "sweep.json"), "utf8").then((t) => JSON.parse(t) as { generationsDone: number; status: string }, () => undefined);
      outcomes.push(`${delay} ms: ${killed.signal === "SIGKILL" ? "killed" : "finished first"} at generation ${state?.generationsDone ?? "-"}`);
      if (state?.status === "finished") continue;
      const resumed = await evogan(["resume", dir]);
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(0);
      expect(await sweepRecords(dir)).toEqual(reference);
    }
    console.log(`sweep kill points (life ${lifeMs} ms): ${outcomes.join("; ")}`);
  }, 60_000 * KILLS);

  it("Ctrl-C (SIGINT) stops with exit code 130 and status interrupted; resume completes with the same records", async () => {
    const dir = join(out, "sigint");
    const stopped = await evogan(
      ["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=sigint"],
      { killWhen: async () => (await readFile(join(dir, "sweep.json"), "utf8").catch(() => "")).includes('"generationsDone": 1'), signal: "SIGINT" },
    );
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted: resume with `evogan resume/);
    expect(JSON.parse(await readFile(join(dir, "sweep.json"), "utf8")).status).toBe("interrupted");
    const resumed = await evogan(["resume", dir]);
    expect(resumed.code).toBe(0);
    expect(await sweepRecords(dir)).toEqual(reference);
  });

  // A worker thread that crashes takes every member it holds with it. With `threads=2` slots are
  // i % 2, so m1 and m3 share thread 1 (asserted below): a crash of either loses the other.
  const shared = ["--set", "threads=2"];
  /** The warnings of members put back after their worker died under another member's segment. */
  const isLost = (e: Record<string, unknown>) => e.type === "warning" && /was lost: the worker that held it died/.test(String(e.message));
  const retriesOf = (sweep: Array<Record<string, unknown>>) => sweep.filter((e) => e.type === "retry").map(({ member, g, attempt, outcome }) => ({ member, g, attempt, outcome }));

  it("a worker crash spends a retry of the crashing member only; the members that shared its thread are put back from their checkpoints (or fresh) and no result changes", async () => {
    const dir = join(out, "crash");
    // Generation 0: m1 crashes thread 1 before m3 has a checkpoint; generation 1: m3 crashes it, taking m1 along.
    const r = await evogan(["sweep", CONFIG, ...small, ...shared, "--set", "retries=1", "--set", `outDir=${out}`, "--set", "name=crash"], { env: { EVOGAN_FAULT_INJECT: "crash:m1:0,crash:m3:1" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(state.members.map((m: { slot: number }) => m.slot)).toEqual([0, 1, 0, 1]);
    expect(state.members.map((m: { status: string }) => m.status)).toEqual(["active", "active", "active", "active"]);
    const sweep = await readJsonl(join(dir, "sweep.jsonl"));
    expect(retriesOf(sweep)).toEqual([
      { member: "m1", g: 0, attempt: 0, outcome: "retrying" },
      { member: "m3", g: 1, attempt: 0, outcome: "retrying" },
    ]);
    // m3's segment always queues behind m1's on thread 1, so it finds itself lost at generation 0;
    // m1 finds out at generation 1 or 2 (whether its export came before or after m3's crash).
    const lost = sweep.filter(isLost);
    expect(lost.some((e) => e.member === "m3" && e.g === 0)).toBe(true);
    expect(lost.some((e) => e.member === "m1" && Number(e.g) >= 1)).toBe(true);
    expect(lost.every((e) => e.member === "m1" || e.member === "m3")).toBe(true);
    // The retry and lost records aside, the sweep is the uninterrupted one.
    const records = await sweepRecords(dir);
    expect({ ...records, sweep: records.sweep.filter((e) => e.type !== "retry" && !isLost(e)) }).toEqual(reference);
  });

  it("with retries=0 a crash fails the crashing member only: the member that shared its thread is put back and finishes with its uninterrupted records", async () => {
    const dir = join(out, "crash-fail");
    const r = await evogan(["sweep", CONFIG, ...small, ...shared, "--set", "retries=0", "--set", `outDir=${out}`, "--set", "name=crash-fail"], { env: { EVOGAN_FAULT_INJECT: "crash:m1:2" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(state.status).toBe("finished");
    expect(state.members.map((m: { id: string; slot: number; status: string }) => [m.id, m.slot, m.status])).toEqual([
      ["m0", 0, "active"],
      ["m1", 1, "failed"],
      ["m2", 0, "active"],
      ["m3", 1, "active"],
    ]);
    const sweep = await readJsonl(join(dir, "sweep.jsonl"));
    expect(retriesOf(sweep)).toEqual([{ member: "m1", g: 2, attempt: 0, outcome: "failed" }]);
    // m3's segment queued behind m1's on thread 1: it was lost and put back, not failed.
    expect(sweep.filter(isLost).map((e) => [e.member, e.g])).toEqual([["m3", 2]]);

    // The crash is in the last generation, so up to it the sweep is the uninterrupted one, and
    // every healthy member's records (m3's included) are the uninterrupted ones to the end. What
    // differs, and is not compared: generation 2's standings and PBT decisions (m1 failed there,
    // so selection ranks three members, not four; a copy made after the last segment trains no
    // further), and m1's records after generation 1 (its last segment failed: no records, no end).
    const records = await sweepRecords(dir);
    const ref = reference as Awaited<ReturnType<typeof sweepRecords>>;
    for (const id of ["m0", "m2", "m3"]) expect(records.members[id]).toEqual(ref.members[id]);
    const upTo = (events: unknown, it: number) => (events as Array<Record<string, unknown>>).filter((e) => e.type !== "end" && Number(e.it) <= it);
    expect(records.members.m1).toEqual(upTo(ref.members.m1, 40));
    const before = (events: Array<Record<string, unknown>>) => events.filter((e) => Number(e.g) < 2);
    expect(before(records.sweep)).toEqual(before(ref.sweep));
  });

  it("a member whose weights turn NaN is recorded as diverged and replaced at the next selection; the sweep goes on", async () => {
    const r = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=nan"], { env: { EVOGAN_FAULT_INJECT: "nan:m2:1" } });
    expect(r.code).toBe(0);
    const sweep = await readJsonl(join(out, "nan", "sweep.jsonl"));
    expect(sweep.some((e) => e.type === "warning" && e.member === "m2" && /diverged/.test(String(e.message)))).toBe(true);
    const g1 = sweep.find((e) => e.type === "generation" && e.g === 1)!;
    expect((g1.decisions as Array<{ target: string; reason: string }>).some((d) => d.target === "m2" && d.reason === "diverged")).toBe(true);
    const state = JSON.parse(await readFile(join(out, "nan", "sweep.json"), "utf8"));
    // The copy continues on m2's own timeline (iteration 20, where its NaN weights were caught), never skipping or repeating one.
    expect(state.members.find((m: { id: string }) => m.id === "m2")).toMatchObject({ status: "active", iterations: 40 });
    const its = (await readJsonl(join(out, "nan", "members", "m2", "events.jsonl"))).filter((e) => e.type === "iteration").map((e) => e.it);
    expect(its).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("a bit-flipped checkpoint is detected on resume and the previous one is used, with a warning", async () => {
    // A copy of the finished reference sweep (3 generations; the newest two checkpoints of each member kept).
    const dir = join(out, "flip");
    await cp(join(out, "ref"), dir, { recursive: true });
    // Make it resumable for one more generation, with m0's newest checkpoint damaged.
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    const config = JSON.parse(await readFile(join(dir, "sweep-config.json"), "utf8"));
    await writeFile(join(dir, "sweep-config.json"), JSON.stringify({ ...config, generations: 4 }));
    await writeFile(join(dir, "sweep.json"), JSON.stringify({ ...state, status: "interrupted" }));
    expect(state.members[0].checkpoint).toMatch(/m0\/gen-0002\.ckpt$/);
    const ckpt = join(dir, state.members[0].checkpoint);
    const bytes = await readFile(ckpt);
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    await writeFile(ckpt, bytes);
    const resumed = await evogan(["resume", dir]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/warning: corrupt checkpoint \S*checkpoints\/m0\/gen-0002\.ckpt/);
    const warnings = (await readJsonl(join(dir, "sweep.jsonl"))).filter((e) => e.type === "warning" && e.member === "m0");
    expect(warnings[0].message).toMatch(/checksum mismatch|not msgpack/);
    // m0 went back to generation 1's checkpoint (iteration 40): its records restart there, none twice.
    const its = (await readJsonl(join(dir, "members", "m0", "events.jsonl"))).filter((e) => e.type === "iteration").map((e) => e.it);
    expect(its).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});
