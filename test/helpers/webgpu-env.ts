// Where the webgpu tests find a Vulkan driver: the machine's own (a GPU, or VK_ICD_FILENAMES set by
// the caller), or Mesa's CPU driver (lavapipe) that scripts/install-lavapipe.sh unpacks into .lvp25
// at the repository root. The tests run their checks in child processes with this environment.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { gpuDeviceNodePresent } from "../../src/compute/backend.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The prefix install-lavapipe.sh uses by default (LVP_PREFIX overrides it, as in the script). */
const LVP_PREFIX = process.env.LVP_PREFIX ?? `${ROOT}.lvp25`;
const LVP_ICD = `${LVP_PREFIX}/usr/share/vulkan/icd.d/lvp_icd.json`;
const LVP_LIB = `${LVP_PREFIX}/usr/lib/x86_64-linux-gnu`;

/** The environment a webgpu child process runs with. */
export function webgpuEnv(): Record<string, string> {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || !existsSync(LVP_ICD)) return {};
  const ld = process.env.LD_LIBRARY_PATH;
  return { VK_ICD_FILENAMES: LVP_ICD, LD_LIBRARY_PATH: ld ? `${LVP_LIB}:${ld}` : LVP_LIB };
}

/** Why the webgpu tests cannot run here, or undefined when they can (CI always runs them: a missing driver fails there). */
export function webgpuSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (existsSync(LVP_ICD) || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || gpuDeviceNodePresent()) return undefined;
  return "no Vulkan driver here: run scripts/install-lavapipe.sh (Mesa's CPU driver into .lvp25), or set VK_ICD_FILENAMES";
}

export interface ChildResult {
  readonly code: number | null;
  readonly result: unknown;
  readonly stderr: string;
}

const CHILD = new URL("../compute/webgpu-child.ts", import.meta.url).pathname;

/** Runs test/compute/webgpu-child.ts in `mode` and parses its RESULT line. */
export function runWebgpuChild(mode: string, env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", CHILD, mode], { env: { ...process.env, ...webgpuEnv(), ...env }, cwd: ROOT });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    p.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      resolve({ code, result: line ? JSON.parse(line.slice("RESULT ".length)) : undefined, stderr });
    });
  });
}
