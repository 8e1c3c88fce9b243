// What the benchmarks that drive the real CLI share: one `evogan` subcommand in a child process
// (stdout dropped, stderr kept for the error), and the mean ± sd they report over seeds.
import { spawn } from "node:child_process";
import { join } from "node:path";

const bin = join(new URL("..", import.meta.url).pathname, "src/cli/bin.js");

/** Runs `evogan <args>` (CI=1: no progress bars); rejects with its exit code and stderr. */
export function evoganCli(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "1" } });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d));
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`evogan ${args.slice(0, 2).join(" ")} exited ${code}: ${err.trim()}`))));
  });
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The sample standard deviation (n − 1); 0 for a single value. */
export const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));
