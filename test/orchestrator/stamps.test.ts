// Reproducibility stamps: git facts checked against real git repositories made here, the config
// hash against Python's hashlib, versions against the package.json files, and the real CLI: a run
// stamps run.json, keeps its stamps through an interruption and resume (adding the resume's), and
// `evogan report` shows the commit.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { RunInfo } from "../../src/records.ts";
import { parseRunInfo } from "../../src/report/read-run.ts";
import { report } from "../../src/report/report.ts";
import { configHash, EVOGAN_ROOT, gitStamp, stampFields, takeStamps, type Stamps } from "../../src/orchestrator/stamps.ts";
import { evogan } from "../helpers/cli-process.ts";

const exec = promisify(execFile);
const BIN = new URL("../../src/cli/bin.js", import.meta.url).pathname;
const git = async (dir: string, ...args: string[]) => (await exec("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args])).stdout.trim();
const pkgVersion = async (path: string): Promise<string> => JSON.parse(await readFile(path, "utf8")).version;

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evogan-stamps-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("gitStamp", () => {
  it("gives HEAD of the checkout, dirty only when a tracked file differs from it", async () => {
    const repo = join(tmp, "repo");
    await mkdir(repo);
    await git(repo, "init", "-q");
    await writeFile(join(repo, "a.txt"), "one\n");
    await git(repo, "add", "a.txt");
    await git(repo, "commit", "-q", "-m", "first");
    const head = await git(repo, "rev-parse", "HEAD");
    expect(await gitStamp(repo)).toEqual({ commit: head, dirty: false });
    // An untracked file (a runs/ folder) does not make the checkout dirty.
    await writeFile(join(repo, "untracked.txt"), "x\n");
    expect(await gitStamp(repo)).toEqual({ commit: head, dirty: false });
    await writeFile(join(repo, "a.txt"), "two\n");
    expect(await gitStamp(repo)).toEqual({ commit: head, dirty: true });
  });

  it("is null for a folder inside another repository (an installed package), outside any, or without git", async () => {
    const inner = join(tmp, "repo", "node_modules", "evogan");
    await mkdir(inner, { recursive: true });
    expect(await gitStamp(inner)).toBeNull();
    const plain = join(tmp, "plain");
    await mkdir(plain);
    expect(await gitStamp(plain)).toBeNull();
    expect(await gitStamp(join(tmp, "repo"), { ...process.env, PATH: join(tmp, "no-bin") })).toBeNull();
  });

  it("is null for a checkout without a commit", async () => {
    const empty = join(tmp, "empty-repo");
    await mkdir(empty);
    await git(empty, "init", "-q");
    expect(await gitStamp(empty)).toBeNull();
  });
});

describe("configHash", () => {
  it("is the first 16 hex digits of sha256 of the config as compact JSON (checked with Python's hashlib)", async () => {
    const config = { name: "x", trainer: { g: { lr: 1e-4 }, mutations: ["minimax", "heuristic"] }, note: "ünïcode" };
    const file = join(tmp, "config.compact.json");
    await writeFile(file, JSON.stringify(config));
    const { stdout } = await exec("/usr/bin/python3", ["-c", "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()[:16])", file]);
    expect(configHash(config)).toBe(stdout.trim());
    expect(configHash({ ...config, name: "y" })).not.toBe(configHash(config));
  });
});

describe("takeStamps", () => {
  it("stamps the versions evogan resolves, the backend's package version, the command line and host", async () => {
    const s = await takeStamps({ a: 1 }, { backend: "wasm", matmul: "XNNPACK (wasm)" });
    const nm = join(EVOGAN_ROOT, "node_modules", "@tensorflow");
    expect(s).toMatchObject({
      evogan: await pkgVersion(join(EVOGAN_ROOT, "package.json")),
      node: process.version,
      tfjs: await pkgVersion(join(nm, "tfjs", "package.json")),
      backend: "wasm",
      backendVersion: await pkgVersion(join(nm, "tfjs-backend-wasm", "package.json")),
      matmul: "XNNPACK (wasm)",
      argv: process.argv.slice(1),
      host: hostname(),
      configHash: configHash({ a: 1 }),
    });
    expect(Date.parse(s.at)).not.toBeNaN();
    // A backend whose package is not installed here has no version, and the stamps still decode as run.json's.
    const gpu = await takeStamps({}, { backend: "tensorflow-gpu", matmul: "libtensorflow" });
    expect(gpu.backendVersion).toBeNull();
    const written = { name: "r", backend: "wasm", status: "finished", startedAt: s.at, updatedAt: s.at, seed: 1, iterations: 1, stamps: s, resumedWith: [gpu] };
    expect(parseRunInfo(JSON.parse(JSON.stringify(written)))).toEqual(written);
  });
});

describe("stampFields", () => {
  const stamp = (at: string): Stamps => ({ at, git: null, evogan: "0", node: "v20", tfjs: null, backend: "wasm", backendVersion: null, matmul: "m", argv: [], host: "h", configHash: "0" });

  it("a start takes its stamps; a resume keeps them and adds its own, oldest first", () => {
    const start = stampFields(undefined, stamp("1"));
    expect(start).toEqual({ stamps: stamp("1") });
    const once = stampFields(start, stamp("2"));
    expect(once).toEqual({ stamps: stamp("1"), resumedWith: [stamp("2")] });
    expect(stampFields(once, stamp("3"))).toEqual({ stamps: stamp("1"), resumedWith: [stamp("2"), stamp("3")] });
  });

  it("a run stopped before it wrote stamps starts them at its resume", () => {
    expect(stampFields({}, stamp("2"))).toEqual({ stamps: stamp("2") });
  });
});

describe("evogan run: stamps in run.json, kept through resume, and the commit in the report", () => {
  const tiny = ["model.gHidden=[16,16]", "model.dHidden=[16,16]", "budget.iterations=100000", "eval.every=20", "eval.samples=200", "trainer.evalBatchSize=64"].flatMap((s) => ["--set", s]);

  it("stamps run.json, keeps the stamps on resume and adds the resume's; report shows the commit", async () => {
    const out = join(tmp, "runs");
    const dir = join(out, "stamped");
    const args = ["run", ...tiny, "--set", `outDir=${out}`, "--set", "name=stamped", "--backend", "wasm", "--no-report"];
    // Interrupted (Ctrl-C) once its first checkpoint is written: a run to resume.
    const first = await evogan(args, { signal: "SIGINT", killWhen: async () => (await readFile(join(dir, "checkpoints", "latest.ckpt")).then(() => true, () => false)) });
    expect(first.code).toBe(130);
    const info = JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as RunInfo;
    expect(info.status).toBe("interrupted");

    // The expected values, each from its own source.
    const top = await exec("git", ["-C", EVOGAN_ROOT, "rev-parse", "--show-toplevel"]).then((r) => r.stdout.trim(), () => undefined);
    const inCheckout = top !== undefined && join(top, "/") === join(EVOGAN_ROOT, "/");
    const commit = inCheckout ? (await exec("git", ["-C", EVOGAN_ROOT, "rev-parse", "HEAD"])).stdout.trim() : undefined;
    const matmul = /\(matmul: (.+?)\), /.exec(first.stdout)?.[1];
    const config = await readFile(join(dir, "config.json"), "utf8");
    const sha = (await exec("/usr/bin/python3", ["-c", "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()[:16])", await compactCopy(config)])).stdout.trim();
    const stamps = info.stamps!;
    expect(stamps).toMatchObject({
      evogan: await pkgVersion(join(EVOGAN_ROOT, "package.json")),
      node: process.version,
      backend: "wasm",
      backendVersion: await pkgVersion(join(EVOGAN_ROOT, "node_modules", "@tensorflow", "tfjs-backend-wasm", "package.json")),
      matmul,
      argv: [BIN, ...args],
      host: hostname(),
      configHash: sha,
    });
    if (commit === undefined) expect(stamps.git).toBeNull();
    else expect(stamps.git?.commit).toBe(commit);
    expect(info.resumedWith).toBeUndefined();

    // Resumed and stopped again: the first stamps stay, the resume's are added.
    const resumed = await evogan(["resume", dir], { signal: "SIGINT", killWhen: async () => (await readFile(join(dir, "run.json"), "utf8").catch(() => "")).includes("resumedWith") });
    expect(resumed.code).toBe(130);
    const after = JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as RunInfo;
    expect(after.stamps).toEqual(stamps);
    expect(after.resumedWith).toHaveLength(1);
    expect(after.resumedWith![0].argv).toEqual([BIN, "resume", dir]);
    expect(Date.parse(after.resumedWith![0].at)).toBeGreaterThan(Date.parse(stamps.at));

    // The report: a commit column (text), fields (json, csv).
    const json = JSON.parse(await report([dir], { format: "json" }));
    expect(json[0]).toMatchObject({ commit: stamps.git?.commit ?? null, dirty: stamps.git?.dirty ?? null });
    const text = await report([dir], { format: "text" });
    if (stamps.git) expect(text.split("\n")[1]).toContain(stamps.git.commit.slice(0, 7));
    else expect(text.split("\n")[0]).not.toContain("commit");
  });
});

/** A file holding `text`'s JSON written compactly (how the hash is defined), for Python to hash. */
async function compactCopy(text: string): Promise<string> {
  const file = join(tmp, `compact-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(JSON.parse(text)));
  return file;
}
