// The average strategy (population parameter averaging) through the real CLI: members start from
// one initialisation, and after a generation every member holds the elementwise mean of the
// members' states, checked against a mean computed here from the same generation of a one-generation
// sweep (its last generation only ranks, so nothing is averaged; the same seeds train the same).
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";
import type { EganStateData } from "../../src/trainers/egan-trainer.ts";
import { readJsonl, sweepRecords } from "../helpers/sweep-records.ts";
import { evogan, evoganLife, killAfterCreated } from "../helpers/cli-process.ts";
import { Rng } from "../../src/util/rng.ts";

const CONFIG = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const IDS = ["m0", "m1", "m2", "m3"];

let out: string;
let averaged: Awaited<ReturnType<typeof evogan>>;
/** From the moment the averaged sweep's directory appears to its end. */
let lifeMs: number;

const args = (name: string, kind: string, generations = 2) => ["sweep", CONFIG, "--set", `generations=${generations}`, "--set", "segment.iterations=20", "--set", `strategy.kind=${kind}`, "--set", `outDir=${out}`, "--set", `name=${name}`];
const sweep = (name: string, kind: string, generations = 2) => evogan(args(name, kind, generations));
const trainerAt = async (name: string, id: string, g: number) =>
  ((await readCheckpoint(join(out, name, "checkpoints", id, `gen-${String(g).padStart(4, "0")}.ckpt`))) as { state: { trainer: EganStateData } }).state.trainer;

/** The mean over members of one array, computed here (float64 sums, as the members' count divides them). */
function meanOf(arrays: readonly Float32Array[]): Float32Array {
  return Float32Array.from(arrays[0], (_, j) => arrays.reduce((s, a) => s + a[j], 0) / arrays.length);
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-average-"));
  for (const [name, kind, generations] of [["before", "average", 1], ["independent", "random-search", 1]] as const) {
    const r = await sweep(name, kind, generations);
    expect(r.stderr).toBe("");
  }
  const life = await evoganLife(args("avg", "average"), join(out, "avg"), "sweep.json", '"status": "finished"');
  averaged = life.done;
  lifeMs = life.lifeMs;
  expect(averaged.stderr).toBe("");
  expect(averaged.code).toBe(0);
});

/** The largest difference between two members' G weights. */
const gapOf = (a: EganStateData, b: EganStateData) => Math.max(...a.parents[0].params.flatMap((w, k) => Array.from(w, (x, j) => Math.abs(x - b.parents[0].params[k][j]))));

describe("a sweep with the average strategy", () => {
  it("starts every member from one initialisation: after 20 Adam steps (each moves a weight by at most about lr ≤ 3e-3) no two differ by more than 2·20·3e-3", async () => {
    const bound = 2 * 20 * 3e-3;
    const start = await Promise.all(IDS.map((id) => trainerAt("before", id, 0)));
    for (const s of start.slice(1)) expect(gapOf(start[0], s)).toBeLessThan(bound);
    // Members of another strategy start from their own initialisations, far further apart.
    const independent = await Promise.all(IDS.map((id) => trainerAt("independent", id, 0)));
    expect(gapOf(independent[0], independent[1])).toBeGreaterThan(3 * bound);
  });

  it("replaces every member's state after generation 0 by the members' mean: weights, Adam moments and D; counters and random streams stay each member's own", async () => {
    const own = await Promise.all(IDS.map((id) => trainerAt("before", id, 0)));
    // Their own hyperparameters, batches and noise: the members really differ before the mean.
    expect(own[0].parents[0].params[0]).not.toEqual(own[1].parents[0].params[0]);
    for (const [i, id] of IDS.entries()) {
      const mean = await trainerAt("avg", id, 0);
      own[0].parents[0].params.forEach((_, k) => expect(mean.parents[0].params[k], `${id} G param ${k}`).toEqual(meanOf(own.map((s) => s.parents[0].params[k]))));
      own[0].parents[0].v.forEach((_, k) => expect(mean.parents[0].v[k], `${id} G Adam v ${k}`).toEqual(meanOf(own.map((s) => s.parents[0].v[k]))));
      own[0].d.params.forEach((_, k) => expect(mean.d.params[k], `${id} D param ${k}`).toEqual(meanOf(own.map((s) => s.d.params[k]))));
      expect([mean.it, mean.rng]).toEqual([own[i].it, own[i].rng]);
    }
  });

  it("logs the mean in each generation record and on the progress line, and takes none after the last generation", async () => {
    const generations = (await readJsonl(join(out, "avg", "sweep.jsonl"))).filter((e) => e.type === "generation");
    expect(generations.map((e) => [e.g, [...((e.averaged as string[]) ?? [])].sort(), e.decisions])).toEqual([
      [0, IDS, []],
      [1, [], []],
    ]);
    expect(averaged.stdout).toMatch(/gen 1\/2 m0 .*<- mean of 4/);
    // The members go on from one state with their own batches and noise: they differ again after generation 1.
    const [a, b] = await Promise.all([trainerAt("avg", "m0", 1), trainerAt("avg", "m1", 1)]);
    expect(a.parents[0].params[0]).not.toEqual(b.parents[0].params[0]);
  });

  it("kill -9 at two random moments (the mean's checkpoint writes included), each followed by resume: the same records as the uninterrupted sweep", async () => {
    const reference = await sweepRecords(join(out, "avg"));
    const rng = new Rng(Date.now() >>> 0);
    for (let k = 0; k < 2; k++) {
      const dir = join(out, `killed-${k}`);
      const delay = rng.int(Math.max(1, lifeMs));
      const killed = await evogan(args(`killed-${k}`, "average"), { killWhen: killAfterCreated(dir, delay) });
      const status = await readFile(join(dir, "sweep.json"), "utf8").then((t) => (JSON.parse(t) as { status: string }).status, () => undefined);
      if (killed.signal !== "SIGKILL" || status === "finished") continue;
      const resumed = await evogan(["resume", dir]);
      expect(resumed.stderr, `killed at ${delay} ms`).toBe("");
      expect(await sweepRecords(dir), `killed at ${delay} ms`).toEqual(reference);
    }
  }, 120_000);

  it("`evogan replay` refuses it with a one-line reason and the config exit code", async () => {
    const r = await evogan(["replay", join(out, "avg")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`evogan: ${join(out, "avg")} averaged its members' states (first after generation 0): a replay follows one member's lineage of copies, and a mean has none`);
    expect(JSON.parse(await readFile(join(out, "avg", "sweep.json"), "utf8")).status).toBe("finished");
  });
});
