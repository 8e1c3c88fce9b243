// Runs the real `evogan` CLI in a child process and collects its output; optionally sends it a
// signal once a condition holds (polled every 25 ms), for kill -9 and Ctrl-C tests.
import { spawn } from "node:child_process";

const BIN = new URL("../../src/cli/bin.js", import.meta.url).pathname;

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly killWhen?: () => Promise<boolean>;
  readonly signal?: NodeJS.Signals;
  /** Called at every poll (with or without killWhen), e.g. to note when a file changes. */
  readonly onPoll?: () => Promise<void>;
}

export function evogan(args: string[], { env = {}, killWhen, signal = "SIGKILL", onPoll }: RunOptions = {}): Promise<Done> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: "1", ...env } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d));
    p.stderr.on("data", (d: Buffer) => (stderr += d));
    let timer: NodeJS.Timeout | undefined;
    if (killWhen || onPoll) {
      timer = setInterval(async () => {
        await onPoll?.();
        if (killWhen && (await killWhen())) {
          clearInterval(timer);
          p.kill(signal);
        }
      }, 25);
    }
    p.on("exit", (code, exitSignal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal: exitSignal, stdout, stderr });
    });
  });
}
