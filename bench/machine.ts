// Where a benchmark ran, for the header and the record it appends to bench/results: the commit of
// the checkout the script lives in (a worktree's own, whatever the shell's directory) and the CPU.
import { execSync } from "node:child_process";
import { cpus } from "node:os";

/** The short commit of this checkout's HEAD; "unknown" outside a git checkout. */
export function gitCommit(): string {
  try {
    return execSync("git rev-parse --short HEAD", { cwd: new URL(".", import.meta.url), stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "unknown";
  }
}

/** The CPU's model name, "?" where the OS does not say. */
export function cpuModel(): string {
  return cpus()[0]?.model ?? "?";
}
