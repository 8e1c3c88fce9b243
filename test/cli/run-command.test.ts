// The real CLI in a real process: `evogan run` on a tiny config, then `evogan report`.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";

const exec = promisify(execFile);
const BIN = new URL("../../src/cli/bin.js", import.meta.url).pathname;
// The embedded default with E-GAN's three mutations, so the report's E-GAN parts show too.
const tiny = ["--set", `trainer.mutations=["minimax","heuristic","least-squares"]`, "--set", "model.gHidden=[16,16]", "--set", "model.dHidden=[16,16]", "--set", "budget.iterations=40", "--set", "eval.every=20", "--set", "eval.samples=500", "--set", "trainer.evalBatchSize=64"];

async function evogan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { env: { ...process.env, CI: "1" } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const iterationRecords = async (dir: string) =>
  (await readFile(join(dir, "events.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === "iteration")
    .map(({ elapsedMs: _, ...rest }) => rest);

let out: string;
let first: Awaited<ReturnType<typeof evogan>>;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "evogan-cli-"));
  first = await evogan(["run", ...tiny, "--set", `outDir=${out}`, "--set", "name=a", "--backend", "wasm"]);
});

describe("evogan run", () => {
  it("trains, prints progress and the report, and leaves a complete run directory", async () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/backend wasm \(matmul: [^)]+\)\), grid25, E-GAN \(minimax, heuristic, least-squares\)/);
    expect(first.stdout).toMatch(/it 40\/40 +modes \d+\/25/);
    expect(first.stdout).toMatch(/mutation wins over time/);
    const dir = join(out, "a");
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8"))).toMatchObject({ status: "finished", backend: "wasm", iterations: 40 });
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    expect(config.trainer).toMatchObject({ mu: 1, gamma: 2, nD: 1, batchSize: 256, ema: { decay: 0.999, start: 1000 }, instanceNoise: { std: 0.1, until: 6000 } }); // fully resolved: the embedded run's own values and the inherited defaults
    const records = await iterationRecords(dir);
    expect(records.map((r) => r.it)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(records[0].children.map((c: { mutation: string }) => c.mutation)).toEqual(["minimax", "heuristic", "least-squares"]);
    expect((await readdir(join(dir, "samples"))).sort()).toEqual(["it-000020.png", "it-000040.png"]);
    const png = await readFile(join(dir, "samples", "it-000040.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    const ckpt = (await readCheckpoint(join(dir, "checkpoints", "final.ckpt"))) as { state: { trainer: { it: number; parents: Array<{ params: Float32Array[] }> } } };
    expect(ckpt.state.trainer.it).toBe(40);
    expect(ckpt.state.trainer.parents[0].params[0]).toBeInstanceOf(Float32Array);
    expect(ckpt.state.trainer.parents[0].params[0].length).toBe(2 * 16);
  });

  it("is deterministic: the same config, seed and backend give identical records, and a taken name is not overwritten", async () => {
    const second = await evogan(["run", ...tiny, "--set", `outDir=${out}`, "--set", "name=a", "--backend", "wasm", "--no-report"]);
    expect(second.code).toBe(0);
    expect(await iterationRecords(join(out, "a-2"))).toEqual(await iterationRecords(join(out, "a")));
  });

  it("rejects a malformed config naming the field, with exit code 2 and no run directory", async () => {
    const [r, r2] = await Promise.all([evogan(["run", "--set", "trainer.gama=1", "--set", `outDir=${out}/bad`]), evogan(["run", "--set", "trainer.g.lr=fast", "--set", `outDir=${out}/bad`])]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("evogan: invalid config: trainer.gama: unknown key (allowed: kind, mutations, mu, gamma, nD, evolveEvery, selection, batchSize, evalBatchSize, implementation, g, d, dLoss, orthoReg, ema, pack, instanceNoise, lambda, identity)");
    expect(r2.stderr).toMatch(/trainer\.g\.lr: expected a number/);
    await expect(readdir(join(out, "bad"))).rejects.toThrow(/ENOENT/);
  });

  it("asking for a backend that is not installed is a one-line error naming the npm package", async () => {
    const r = await evogan(["run", ...tiny, "--backend", "tensorflow-gpu", "--set", `outDir=${out}/gpu`]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/npm install @tensorflow\/tfjs-node-gpu/);
  });
});

describe("evogan run, interrupted", () => {
  it("Ctrl-C (SIGINT) exits 130 and leaves run.json interrupted, with the records and a checkpoint", async () => {
    const { spawn } = await import("node:child_process");
    const dir = join(out, "int");
    const p = spawn(process.execPath, [BIN, "run", ...tiny, "--set", "budget.iterations=100000", "--set", `outDir=${out}`, "--set", "name=int"], { env: { ...process.env, CI: "1" } });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setInterval(async () => {
        const ckpt = await readdir(join(dir, "checkpoints")).catch(() => [] as string[]);
        if (ckpt.includes("latest.ckpt")) {
          clearInterval(timer);
          p.kill("SIGINT");
        }
      }, 50);
      p.on("exit", (c) => {
        clearInterval(timer);
        resolve(c);
      });
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8")).status).toBe("interrupted");
    expect((await iterationRecords(dir)).length).toBeGreaterThanOrEqual(20);
    expect(((await readCheckpoint(join(dir, "checkpoints", "latest.ckpt"))) as { state: { trainer: { it: number } } }).state.trainer.it).toBeGreaterThanOrEqual(20);
  });
});

describe("evogan report", () => {
  it("a wall-clock budget (budget.seconds) stops training early, evaluates where it stopped and finishes the run", async () => {
    // The deadline is checked before each segment, so the first one always trains: one second stops it after a segment or a few.
    const r = await evogan(["run", ...tiny, "--set", "budget.iterations=1000000", "--set", "budget.seconds=1", "--set", "eval.every=1000000", "--set", `outDir=${out}`, "--set", "name=timed", "--no-report"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = join(out, "timed");
    const events = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const last = events.filter((e) => e.type === "iteration").at(-1);
    expect(last.it).toBeGreaterThan(0);
    expect(last.it).toBeLessThan(1000000);
    expect(events.filter((e) => e.type === "eval").map((e) => e.it)).toEqual([last.it]);
    expect(events.at(-1)).toMatchObject({ type: "end", it: last.it });
    expect(JSON.parse(await readFile(join(dir, "run.json"), "utf8"))).toMatchObject({ status: "finished" });
  });

  it("prints json and csv for other tools", async () => {
    const [json, csv] = await Promise.all([evogan(["report", join(out, "a"), "--format", "json"]), evogan(["report", join(out, "a"), join(out, "a-2"), "--format", "csv"])]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed[0]).toMatchObject({ name: "a", iterations: 40 });
    expect(csv.stdout.trim().split(/\r?\n/)).toHaveLength(3);
  });

  it("names a directory that is not a run, with a non-zero exit", async () => {
    const r = await evogan(["report", out]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/not a run directory/);
  });
});
