// `--dry-run` of `evogan run` and `evogan sweep` through the real CLI: the resolved config as JSON,
// exit 0, nothing written; a bad config still exits 2 with its one line. A sweep's dry run prints
// the members a real sweep then starts (checked against the sweep's own files), and the sweep
// stamps sweep.json and its members' run.json, keeping them through an interruption and resume.
// Also `evogan devices --json`: the facts of the text output, as JSON.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadRunConfig } from "../../src/config/load-config.ts";
import { loadSweepConfig } from "../../src/config/sweep-config.ts";
import { formatDevices, type DeviceInfo } from "../../src/orchestrator/devices.ts";
import type { RunInfo } from "../../src/records.ts";
import { evogan } from "../helpers/cli-process.ts";

const CONFIGS = new URL("../../configs/", import.meta.url).pathname;

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evogan-dry-run-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every path under `dir`, for "nothing was written". */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe("evogan run --dry-run", () => {
  it("prints the resolved config (family defaults, --set applied) as JSON, exits 0 and writes nothing", async () => {
    const cwd = await mkdtemp(join(tmp, "run-"));
    const out = join(cwd, "runs");
    const sets = ["trainer.gamma=0.5", `outDir=${out}`, "eval.every=250"];
    const before = await tree(cwd);
    const r = await evogan(["run", join(CONFIGS, "egan-ring8.json"), "--dry-run", ...sets.flatMap((s) => ["--set", s]), "--backend", "wasm"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toEqual(JSON.parse(JSON.stringify(await loadRunConfig(join(CONFIGS, "egan-ring8.json"), [...sets, "backend=wasm"]))));
    // The file's own values, the overrides, and defaults the file leaves out.
    expect(printed).toMatchObject({ name: "egan-ring8", backend: "wasm", outDir: out, task: { dataset: "ring8" }, trainer: { gamma: 0.5, implementation: "fast" }, eval: { every: 250 } });
    expect(await tree(cwd)).toEqual(before);
  });

  it("a bad config is still its one-line error with exit 2, and nothing is written", async () => {
    const cwd = await mkdtemp(join(tmp, "bad-"));
    const file = join(cwd, "bad.yaml");
    await writeFile(file, "name: bad\ntrainer:\n  g:\n    lr: fast\n");
    const r = await evogan(["run", file, "--dry-run", "--set", `outDir=${join(cwd, "runs")}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`evogan: invalid config: ${file}: line 4: trainer.g.lr: expected a number, got string "fast"\n`);
    expect(await tree(cwd)).toEqual(["bad.yaml"]);
  });
});

describe("evogan sweep --dry-run, and a sweep's stamps", () => {
  // Two tiny toy members with a searched learning rate and γ: seconds per generation.
  const population = {
    base: { task: { dataset: "ring8" }, model: { gHidden: [16, 16], dHidden: [16, 16] }, trainer: { batchSize: 32, evalBatchSize: 64 } },
    members: [{ id: "a" }, { id: "b", set: { "trainer.gamma": 0.75 } }],
    hyperparameters: { "trainer.g.lr": { kind: "continuous", min: 1e-4, max: 3e-3, log: true }, "trainer.gamma": { kind: "continuous", min: 0, max: 2 } },
  };
  const sweepConfig = (out: string, name: string, generations: number) => ({ name, seed: 5, backend: "wasm", threads: 2, outDir: out, population, generations, segment: { iterations: 20 }, eval: { samples: 200 } });

  it("prints the sweep config and each member's seed, starting hyperparameters and run config, which the sweep then starts with", async () => {
    const cwd = await mkdtemp(join(tmp, "sweep-"));
    const out = join(cwd, "runs");
    const file = join(cwd, "sweep.json");
    await writeFile(file, JSON.stringify(sweepConfig(out, "dry", 1)));
    const dry = await evogan(["sweep", file, "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(await tree(cwd)).toEqual(["sweep.json"]);
    const printed = JSON.parse(dry.stdout) as { sweep: unknown; members: Array<{ id: string; seed: number; hypers: Record<string, unknown>; config: { trainer: { gamma: number; g: { lr: number } } } }> };
    expect(printed.sweep).toEqual(JSON.parse(JSON.stringify(await loadSweepConfig(file))));
    expect(printed.members.map((m) => m.id)).toEqual(["a", "b"]);
    // A member's `set` fixes its starting value; the hyperparameters are in its run config.
    expect(printed.members[1].hypers["trainer.gamma"]).toBe(0.75);
    for (const m of printed.members) {
      expect(m.config.trainer.g.lr).toBe(m.hypers["trainer.g.lr"]);
      expect(m.config.trainer.gamma).toBe(m.hypers["trainer.gamma"]);
    }

    // The real sweep (one generation: no copies, so every member keeps what it started with).
    const real = await evogan(["sweep", file]);
    expect(real.code).toBe(0);
    const dir = join(out, "dry");
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(state.members.map((m: { id: string; seed: number; hypers: unknown }) => ({ id: m.id, seed: m.seed, hypers: m.hypers }))).toEqual(printed.members.map(({ id, seed, hypers }) => ({ id, seed, hypers })));
    for (const m of printed.members) expect(JSON.parse(await readFile(join(dir, "members", m.id, "config.json"), "utf8"))).toEqual(m.config);
  });

  it("stamps sweep.json and every member's run.json; a resume keeps the stamps and adds its own", async () => {
    const cwd = await mkdtemp(join(tmp, "sweep-resume-"));
    const out = join(cwd, "runs");
    const file = join(cwd, "sweep.json");
    await writeFile(file, JSON.stringify(sweepConfig(out, "stamped", 3)));
    const dir = join(out, "stamped");
    const doneOne = async () => (JSON.parse((await readFile(join(dir, "sweep.json"), "utf8").catch(() => "{}")) || "{}").generationsDone ?? 0) >= 1;
    const first = await evogan(["sweep", file], { signal: "SIGINT", killWhen: doneOne });
    expect(first.code).toBe(130);
    const state = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(state.status).toBe("interrupted");
    expect(state.stamps).toMatchObject({ backend: "wasm", argv: [expect.stringMatching(/bin\.js$/), "sweep", file], configHash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    for (const id of ["a", "b"]) expect((JSON.parse(await readFile(join(dir, "members", id, "run.json"), "utf8")) as RunInfo).stamps).toEqual(state.stamps);

    const resumed = await evogan(["resume", dir]);
    expect(resumed.code).toBe(0);
    const after = JSON.parse(await readFile(join(dir, "sweep.json"), "utf8"));
    expect(after.status).toBe("finished");
    expect(after.stamps).toEqual(state.stamps);
    expect(after.resumedWith).toHaveLength(1);
    expect(after.resumedWith[0].argv.slice(1)).toEqual(["resume", dir]);
    for (const id of ["a", "b"]) {
      const info = JSON.parse(await readFile(join(dir, "members", id, "run.json"), "utf8")) as RunInfo;
      expect([info.stamps, info.resumedWith]).toEqual([after.stamps, after.resumedWith]);
    }
  });
});

describe("evogan devices --json", () => {
  it("prints the text output's facts as JSON: the backends, the native GEMM, CPUs and GPUs", async () => {
    const [json, text] = await Promise.all([evogan(["devices", "--json"]), evogan(["devices"])]);
    expect(json.code).toBe(0);
    const info = JSON.parse(json.stdout) as DeviceInfo;
    expect(info.backends).toEqual(expect.arrayContaining(["wasm", "cpu"]));
    expect(typeof info.nativeGemm).toBe("boolean");
    expect(info.cpus).toBeGreaterThan(0);
    expect(Array.isArray(info.gpus)).toBe(true);
    // The same facts: the text command's output is exactly these, formatted.
    expect(formatDevices(info)).toBe(text.stdout);
  });
});
