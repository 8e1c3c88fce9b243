// `evogan replay` through the real CLI in real processes: a tiny PBT sweep (4 toy members, 3
// generations of 20 iterations), then replays of its members, each compared with what the sweep
// itself left: the member's last checkpoint (bit for bit) and the records of the chain of members
// whose segments its weights went through (worked out here from sweep.jsonl, independently).
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";
import { evogan } from "../helpers/cli-process.ts";
import { readJsonl } from "../helpers/sweep-records.ts";

const CONFIG = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
/** Iterations per segment and generations: the smallest sweep with exploits before its last generation. */
const K = 20;
const G = 3;
const small = ["--set", `generations=${G}`, "--set", `segment.iterations=${K}`];

type Json = Record<string, unknown>;
interface Decision {
  readonly target: string;
  readonly source: string;
}
interface Generation {
  readonly g: number;
  readonly ranking: string[];
  readonly decisions: Decision[];
}

let out: string;

const generationsOf = async (sweep: string) => (await readJsonl(join(sweep, "sweep.jsonl"))).filter((e) => e.type === "generation") as unknown as Generation[];
const strip = ({ elapsedMs: _e, itersPerSec: _i, ...rest }: Json) => rest;

/** Who trained each generation's segment of `member`'s final weights: walking back, a copy hands the past to its source. */
function chainOf(generations: readonly Generation[], member: string): string[] {
  const owners: string[] = [];
  let current = member;
  for (let g = generations.length - 1; g >= 0; g--) {
    current = generations[g].decisions.find((d) => d.target === current)?.source ?? current;
    owners[g] = current;
  }
  return owners;
}

/** The records a replay of `member` should write: each segment's from its owner's log (iterations gK+1..(g+1)K and that eval), then the end. */
async function chainRecords(sweep: string, owners: readonly string[]): Promise<Json[]> {
  const logs = new Map<string, Json[]>();
  for (const id of new Set(owners)) logs.set(id, await readJsonl(join(sweep, "members", id, "events.jsonl")));
  const segments = owners.flatMap((id, g) => logs.get(id)!.filter((e) => e.type !== "end" && Number(e.it) > g * K && Number(e.it) <= (g + 1) * K));
  return [...segments, { type: "end", it: owners.length * K }].map(strip);
}

/** The trainer state of a checkpoint file (a sweep member's or a run's: both hold `state`). */
const trainerOf = async (file: string) => ((await readCheckpoint(file)) as { state: { trainer: unknown } }).state.trainer;

/**
 * Whether two states are the same bits: typed arrays byte for byte, numbers with Object.is
 * (-0 and NaN included), the rest key for key. Returns the first difference's path, or the count
 * of float values compared when there is none.
 */
function compareBits(a: unknown, b: unknown, path = "trainer"): { differs: string } | { floats: number } {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return { differs: `${path}: not the same kind of array` };
    const same = Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return same ? { floats: a.byteLength / 4 } : { differs: path };
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = Object.keys(a);
    if (keys.join() !== Object.keys(b).join()) return { differs: `${path}: keys ${keys.join()} vs ${Object.keys(b).join()}` };
    let floats = 0;
    for (const k of keys) {
      const r = compareBits((a as Json)[k], (b as Json)[k], `${path}.${k}`);
      if ("differs" in r) return r;
      floats += r.floats;
    }
    return { floats };
  }
  return Object.is(a, b) ? { floats: 0 } : { differs: `${path}: ${String(a)} vs ${String(b)}` };
}

const lastCheckpoint = (sweep: string, id: string) => join(sweep, "checkpoints", id, `gen-${String(G - 1).padStart(4, "0")}.ckpt`);

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-replay-"));
  const r = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=pbt"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});

describe("evogan replay", () => {
  it("replays a member whose weights came through an exploit: its final state is the member's last checkpoint bit for bit, and its records are the chain's", async () => {
    const sweep = join(out, "pbt");
    const generations = await generationsOf(sweep);
    // The target of the latest exploit: its lineage holds a copy (one happens at every generation but the last).
    const copied = generations.filter((g) => g.decisions.length > 0).at(-1)!;
    const member = copied.decisions[0].target;
    const owners = chainOf(generations, member);
    expect(owners.at(-1)).toBe(member);
    expect(owners.some((id) => id !== member)).toBe(true);

    const r = await evogan(["replay", sweep, "--member", member, "--out", join(out, "replays"), "--no-report"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = join(out, "replays", `pbt-replay-${member}`);
    expect(r.stdout).toContain(`final state: identical to ${lastCheckpoint(sweep, member)}`);

    const replayed = await trainerOf(join(dir, "checkpoints", "final.ckpt"));
    const same = compareBits(replayed, await trainerOf(lastCheckpoint(sweep, member)));
    expect(same).toMatchObject({ floats: expect.any(Number) });
    expect((same as { floats: number }).floats).toBeGreaterThan(1000);
    // Not a comparison that anything passes: the source's own final weights differ.
    const source = copied.decisions[0].source;
    expect(compareBits(replayed, await trainerOf(lastCheckpoint(sweep, source)))).toHaveProperty("differs");

    const events = (await readJsonl(join(dir, "events.jsonl"))).map(strip);
    expect(events).toEqual(await chainRecords(sweep, owners));
    // Its config.json is a run config, but `resume` refuses it: that would train a plain run there.
    const again = await evogan(["resume", dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`evogan: ${dir} is a replay (replay.json), which cannot be resumed: remove it and run \`evogan replay\` again\n`);
    expect((await readJsonl(join(dir, "events.jsonl"))).map(strip)).toEqual(events);
    // After its copy the member trained itself: that stretch is its own log, record for record.
    const own = (await readJsonl(join(sweep, "members", member, "events.jsonl"))).map(strip).filter((e) => e.type !== "end" && Number(e.it) > (copied.g + 1) * K);
    expect(own.length).toBe((G - copied.g - 1) * (K + 1));
    expect(events.filter((e) => e.type !== "end" && Number(e.it) > (copied.g + 1) * K)).toEqual(own);

    // The schedule says who trained when, with which hyperparameters (the member's own at the end).
    const schedule = JSON.parse(await readFile(join(dir, "replay.json"), "utf8"));
    expect(schedule.segments.map((s: { member: string }) => s.member)).toEqual(owners);
    const state = JSON.parse(await readFile(join(sweep, "sweep.json"), "utf8"));
    expect(schedule.segments.at(-1).hypers).toEqual(state.members.find((m: { id: string }) => m.id === member).hypers);
    // run.json as `evogan run` writes it, stamps of what made it included.
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8"))).toMatchObject({ status: "finished", iterations: G * K, stamps: { configHash: expect.any(String) } });
  });

  it("without --member replays the sweep's best (first of the last generation's ranking), beside the sweep, and prints its report", async () => {
    const sweep = join(out, "pbt");
    const best = (await generationsOf(sweep)).at(-1)!.ranking[0];
    const r = await evogan(["replay", sweep]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = join(out, `pbt-replay-${best}`);
    expect(JSON.parse(await readFile(join(dir, "replay.json"), "utf8")).member).toBe(best);
    expect(compareBits(await trainerOf(join(dir, "checkpoints", "final.ckpt")), await trainerOf(lastCheckpoint(sweep, best)))).toHaveProperty("floats");
    expect((await readJsonl(join(dir, "events.jsonl"))).map(strip)).toEqual(await chainRecords(sweep, chainOf(await generationsOf(sweep), best)));
    // `evogan report` reads the replay as a run: its table row says it finished all its iterations.
    expect(r.stdout).toMatch(new RegExp(`^pbt-replay-${best} .*\\bfinished\\b.* ${G * K}/${G * K} `, "m"));
  });

  it("Ctrl-C (SIGINT) stops a replay with exit 130 and removes its directory: a replay is not resumed, so nothing half-written is left", async () => {
    const parent = join(out, "stopped");
    const dir = join(parent, "pbt-replay-m0");
    const r = await evogan(["replay", join(out, "pbt"), "--member", "m0", "--out", parent], { killWhen: () => readdir(dir).then(() => true, () => false), signal: "SIGINT" });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe("evogan: interrupted: the replay's directory was removed (a replay is not resumed; run it again)\n");
    expect(await readdir(parent)).toEqual([]);
  });

  it("a member id the sweep does not have: one line naming it and the members, exit 7, nothing written", async () => {
    const before = await readdir(out);
    const r = await evogan(["replay", join(out, "pbt"), "--member", "m9"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toBe(`evogan: no member "m9" in sweep ${join(out, "pbt")} (its members: m0, m1, m2, m3)\n`);
    expect(await readdir(out)).toEqual(before);
  });

  it("a sweep that has not finished is refused with exit 2, telling how to resume it", async () => {
    const sweep = join(out, "unfinished");
    await cp(join(out, "pbt"), sweep, { recursive: true });
    const state = JSON.parse(await readFile(join(sweep, "sweep.json"), "utf8"));
    await writeFile(join(sweep, "sweep.json"), JSON.stringify({ ...state, status: "interrupted", generationsDone: 2 }));
    const r = await evogan(["replay", sweep]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`evogan: ${sweep} has not finished (status interrupted, 2 of 3 generations): a replay follows a finished sweep; resume it first with \`evogan resume ${sweep}\`\n`);
  });

  it("a logged exploit whose hyperparameters do not follow from its explorations is refused with exit 8, naming the generation", async () => {
    const sweep = join(out, "tampered");
    await cp(join(out, "pbt"), sweep, { recursive: true });
    const lines = (await readFile(join(sweep, "sweep.jsonl"), "utf8")).split("\n").filter((l) => l.trim());
    const records = lines.map((l) => JSON.parse(l) as Json);
    // The latest exploit: no later one replaces its target, so the target's lineage goes through it.
    const gen = [...records].reverse().find((e) => e.type === "generation" && (e.decisions as unknown[]).length > 0) as unknown as Generation & { decisions: Array<Decision & { newHypers: Json }> };
    gen.decisions[0].newHypers["trainer.gamma"] = 1.5;
    await writeFile(join(sweep, "sweep.jsonl"), records.map((e) => JSON.stringify(e) + "\n").join(""));
    const r = await evogan(["replay", sweep, "--member", gen.decisions[0].target]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(new RegExp(`^evogan: \\S+sweep\\.jsonl: generation ${gen.g}: ${gen.decisions[0].target} copied ${gen.decisions[0].source} with .*trainer\\.gamma=1\\.5, but its explorations give .*\\n$`));
  });

  it("a random-search sweep never exploits: the replay is the member's own run, its records and final state", async () => {
    const r = await evogan(["sweep", CONFIG, "--set", "generations=2", "--set", "segment.iterations=10", "--set", "strategy.kind=random-search", "--set", `outDir=${out}`, "--set", "name=random"]);
    expect(r.code).toBe(0);
    const sweep = join(out, "random");
    const replay = await evogan(["replay", sweep, "--member", "m1", "--no-report"]);
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    const dir = join(out, "random-replay-m1");
    expect((await readJsonl(join(dir, "events.jsonl"))).map(strip)).toEqual((await readJsonl(join(sweep, "members", "m1", "events.jsonl"))).map(strip));
    const own = join(sweep, "checkpoints", "m1", "gen-0001.ckpt");
    expect(compareBits(await trainerOf(join(dir, "checkpoints", "final.ckpt")), await trainerOf(own))).toHaveProperty("floats");
  });
});
