// `evogan resume <runDir>` in real processes: kill -9 at random moments of a single run (before
// its first checkpoint, between evaluations, during checkpoint writes), then resume; the records
// must equal an uninterrupted run's. Also: a killed run reads as crashed, a live one cannot be
// resumed, a damaged newest checkpoint falls back to the one before, a finished run has nothing to do.
import { cp, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { evogan, evoganLife, killAfterCreated } from "../helpers/cli-process.ts";
import { readJsonl } from "../helpers/sweep-records.ts";
import { Rng } from "../../src/util/rng.ts";

// Small nets, three mutations, five evaluations (each writes a checkpoint) over 100 iterations.
const tiny = [
  "--backend", "wasm", "--no-report",
  ...["trainer.mutations=[\"minimax\",\"heuristic\",\"least-squares\"]", "model.gHidden=[16,16]", "model.dHidden=[16,16]", "budget.iterations=100", "eval.every=20", "eval.samples=500", "trainer.evalBatchSize=64"].flatMap((s) => ["--set", s]),
];

/** Everything a run recorded, minus wall-clock fields. */
async function records(dir: string) {
  const strip = ({ elapsedMs: _e, itersPerSec: _i, ...rest }: Record<string, unknown>) => rest;
  return (await readJsonl(join(dir, "events.jsonl"))).map(strip);
}

/** Every file under dir (two levels), for spotting leftovers such as *.tmp. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await readdir(join(dir, e.name))).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out;
}

/** progress.csv's lines without the wall-clock column (the second; no field of these files is quoted). */
const withoutElapsed = async (file: string) =>
  (await readFile(file, "utf8")).split("\n").map((l) => l.split(",").filter((_, i) => i !== 1).join(","));

/**
 * How many kill points: three by default (each is a run and a resume; progress-csv.test.ts kills the
 * same run at one more); the kill bar runs it with EVOGAN_KILL_POINTS=12.
 */
const KILLS = Number(process.env.EVOGAN_KILL_POINTS ?? 3);

const BIN = new URL("../../src/cli/bin.js", import.meta.url).pathname;

let out: string;
let reference: Array<Record<string, unknown>>;
/** From the moment the run directory appears to the end of the process, in the reference run. */
let lifeMs: number;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-resume-"));
  const life = await evoganLife(["run", ...tiny, "--set", `outDir=${out}`, "--set", "name=ref"], join(out, "ref"), "run.json", '"finished"');
  const r = life.done;
  lifeMs = life.lifeMs;
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  reference = await records(join(out, "ref"));
});

describe("evogan resume <runDir>", () => {
  it(`kill -9 at ${KILLS} random moments of a run's life, each followed by resume: every run completes with the uninterrupted run's records, progress.csv and result`, async () => {
    const referenceRows = await withoutElapsed(join(out, "ref", "progress.csv"));
    const referenceResult = JSON.parse(await readFile(join(out, "ref", "result.json"), "utf8"));
    const rng = new Rng(Date.now() >>> 0);
    const outcomes: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const name = `kill-${k}`;
      const dir = join(out, name);
      // Uniform over the run's life from the moment its directory exists (the start-up before it writes nothing).
      const delay = rng.int(Math.max(1, lifeMs));
      const killed = await evogan(["run", ...tiny, "--set", `outDir=${out}`, "--set", `name=${name}`], { killWhen: killAfterCreated(dir, delay) });
      const resumed = await evogan(["resume", dir]);
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(0);
      expect(await records(dir)).toEqual(reference);
      expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8"))).toMatchObject({ status: "finished" });
      expect((await files(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      expect(await withoutElapsed(join(dir, "progress.csv"))).toEqual(referenceRows);
      expect(JSON.parse(await readFile(join(dir, "result.json"), "utf8"))).toMatchObject({ status: "finished", iterations: 100, evaluatedAt: 100, metrics: referenceResult.metrics });
      outcomes.push(`${delay} ms: ${killed.signal === "SIGKILL" ? "killed" : "finished first"}, ${resumed.stdout.match(/from iteration \d+|nothing to resume/)?.[0]}`);
    }
    // Where the kills landed (the moments are random; which checkpoint each resumed from varies).
    console.log(`run kill points (life ${lifeMs} ms): ${outcomes.join("; ")}`);
  }, 60_000 * KILLS);

  it("a killed run reads as crashed in the report, and resumes to the same records", async () => {
    const dir = join(out, "crash");
    const killed = await evogan(["run", ...tiny, "--set", "budget.iterations=100000", "--set", `outDir=${out}`, "--set", "name=crash"], {
      killWhen: async () => (await readdir(join(dir, "checkpoints")).catch(() => [] as string[])).includes("latest.ckpt"),
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8")).status).toBe("running");
    const report = await evogan(["report", dir, "--format", "csv"]);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/,crashed,/);
    // Resume it with the reference's budget: it is a different run (100000 planned), so only check it continues.
    const resumed = await evogan(["resume", dir], { killWhen: async () => (await records(dir)).some((e) => e.type === "eval" && (e.it as number) >= 40) });
    expect(resumed.stdout).toMatch(/from iteration 20/);
    const its = (await records(dir)).filter((e) => e.type === "iteration").map((e) => e.it);
    expect(its).toEqual(Array.from({ length: its.length }, (_, i) => i + 1));
  });

  it("refuses to resume a run that is still running, naming its pid; after Ctrl-C it says how to resume", async () => {
    const dir = join(out, "live");
    let busy: Promise<Awaited<ReturnType<typeof evogan>>> | undefined;
    let tried: Awaited<ReturnType<typeof evogan>> | undefined;
    const stopped = await evogan(["run", ...tiny, "--set", "budget.iterations=100000", "--set", `outDir=${out}`, "--set", "name=live"], {
      signal: "SIGINT",
      // The poll runs every 25 ms: start one resume once run.json exists, stop the run when it has answered.
      killWhen: async () => {
        if (!busy && (await readFile(join(dir, "run.json"), "utf8").catch(() => ""))) busy = evogan(["resume", dir]).then((r) => (tried = r));
        return tried !== undefined;
      },
    });
    const busyResult = tried!;
    expect(busyResult.code).toBe(2);
    expect(busyResult.stderr.trim()).toMatch(new RegExp(`^evogan: ${dir} is still running \\(pid \\d+ on \\S+\\): stop it before resuming$`));
    expect(stopped.code).toBe(130);
    expect(stopped.stderr.trim()).toBe(`evogan: interrupted: resume with \`evogan resume ${dir}\``);
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8")).status).toBe("interrupted");
  });

  it("a damaged latest checkpoint falls back to the previous one, said in one line, with the same records", async () => {
    // A copy of the finished reference run, as if killed at the end: run.json still running (a pid
    // that is gone), latest.ckpt (iteration 100) damaged.
    const dir = join(out, "flip");
    await cp(join(out, "ref"), dir, { recursive: true });
    const info = JSON.parse(await readFile(join(dir, "run.json"), "utf8"));
    await writeFile(join(dir, "run.json"), JSON.stringify({ ...info, status: "running", pid: 2 ** 22 + 1 }));
    const latest = join(dir, "checkpoints", "latest.ckpt");
    const bytes = await readFile(latest);
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    await writeFile(latest, bytes);
    const resumed = await evogan(["resume", dir]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/warning: corrupt checkpoint \S*latest\.ckpt: (checksum mismatch|not msgpack)[^\n]*; trying an older checkpoint/);
    expect(resumed.stdout).toMatch(/from iteration 80\b/);
    expect(await records(dir)).toEqual(reference);
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8"))).toMatchObject({ status: "finished" });
  });

  it("a write that fails part-way (a file-size limit, EFBIG, standing in for a full disk) leaves no torn line and no *.tmp; status failed, exit 6; resume completes it", async () => {
    // ulimit -f is in KiB: at 12 the log's second segment cannot be appended whole; at 9 the first checkpoint cannot be written.
    for (const [limit, file] of [[12, "events.jsonl"], [9, "latest.ckpt"]] as const) {
      const name = `full-${limit}`;
      const dir = join(out, name);
      const args = ["run", ...tiny, "--set", `outDir=${out}`, "--set", `name=${name}`].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
      const r = spawnSync("bash", ["-c", `ulimit -f ${limit}; exec "${process.execPath}" "${BIN}" ${args}`], { encoding: "utf8", env: { ...process.env, CI: "1" } });
      expect(r.status).toBe(6);
      expect(r.stderr.trim()).toMatch(new RegExp(`^evogan: \\S*${file.replace(".", "\\.")}: EFBIG: file too large`));
      expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8")).status).toBe("failed");
      const text = await readFile(join(dir, "events.jsonl"), "utf8");
      expect(text.endsWith("\n")).toBe(true);
      for (const line of text.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
      expect((await files(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      const resumed = await evogan(["resume", dir]);
      expect(resumed.stderr).toBe("");
      expect(resumed.code).toBe(0);
      expect(await records(dir)).toEqual(reference);
    }
  });

  it("a finished run has nothing to resume; a directory that is neither run nor sweep is a one-line error", async () => {
    const [done, none] = await Promise.all([evogan(["resume", join(out, "ref")]), evogan(["resume", join(out, "nowhere")])]);
    expect(done.code).toBe(0);
    expect(done.stdout.trim()).toBe(`nothing to resume: ${join(out, "ref")} has finished`);
    expect(none.code).toBe(7);
    expect(none.stderr.trim()).toBe(`evogan: not a run or sweep directory: ${join(out, "nowhere")} (no config.json or sweep-config.json)`);
  });
});
