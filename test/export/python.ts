// The real Python client of the export tests: Debian's /usr/bin/python3 with numpy (and torch for
// the PyTorch round trip). The `python3` first on PATH may be another one without them.
// A test whose modules are missing is skipped, or, with CI set (CI installs python3-numpy and
// python3-torch), runs and fails.
import { execFile, spawnSync } from "node:child_process";

export const PYTHON = "/usr/bin/python3";
const SCRIPTS = new URL(".", import.meta.url).pathname;

/** Whether PYTHON imports every one of `modules`. */
export function pythonHas(modules: readonly string[]): boolean {
  return spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore" }).status === 0;
}

/** Skip (with a warning) where the modules are missing and CI is not set. */
export function skipWithout(modules: readonly string[], file: string): boolean {
  const skip = !pythonHas(modules) && !process.env.CI;
  if (skip) console.warn(`${file}: SKIPPED: ${PYTHON} cannot import ${modules.join(", ")} (apt-get install ${modules.map((m) => `python3-${m}`).join(" ")}); with CI set this test runs and fails instead`);
  return skip;
}

/** Runs test/export/<script> with `args`; its stdout, or a rejection carrying its stderr. */
export function runPython(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // No __pycache__ left in test/export by the scripts' shared loader.
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
    execFile(PYTHON, [SCRIPTS + script, ...args], { env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Float32 values as the raw little-endian file the scripts read. */
export function f32Bytes(x: Float32Array): Buffer {
  const out = Buffer.alloc(4 * x.length);
  x.forEach((v, i) => out.writeFloatLE(v, 4 * i));
  return out;
}

/** A raw little-endian float32 file's values. */
export function f32Of(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  return out;
}
