// Runs the real `evogan` CLI in a child process and collects its output; optionally sends it a
// signal once a condition holds (polled every 25 ms), for kill -9 and Ctrl-C tests.
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

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
    // One poll at a time, and one signal at most: a slow poll (a loaded machine's readFile) must not
    // overlap the next and send a second SIGINT, which the CLI's once-only handler would not catch.
    let polling = false;
    let killed = false;
    if (killWhen || onPoll) {
      timer = setInterval(async () => {
        if (polling || killed) return;
        polling = true;
        try {
          await onPoll?.();
          if (killWhen && !killed && (await killWhen())) {
            killed = true;
            clearInterval(timer);
            p.kill(signal);
          }
        } finally {
          polling = false;
        }
      }, 25);
    }
    p.on("exit", (code, exitSignal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal: exitSignal, stdout, stderr });
    });
  });
}

/** Polls until `dir` exists, then asks for a kill `delayMs` later (a kill point measured from the directory's creation). */
export function killAfterCreated(dir: string, delayMs: number): () => Promise<boolean> {
  let seen = 0;
  return async () => {
    seen ||= await readdir(dir).then(() => Date.now(), () => 0);
    return seen > 0 && Date.now() - seen >= delayMs;
  };
}

/** Polls the sweep's `sweep.json` until it records `generations` complete, then asks for a kill `delayMs` later (a kill point inside the next generation). */
export function killAfterGeneration(sweepDir: string, generations: number, delayMs: number): () => Promise<boolean> {
  let seen = 0;
  return async () => {
    const state = await readFile(join(sweepDir, "sweep.json"), "utf8").catch(() => "");
    if (!state.includes(`"generationsDone": ${generations}`)) return false;
    seen ||= Date.now();
    return Date.now() - seen >= delayMs;
  };
}

/**
 * Runs evogan to its end and measures the part of its life a kill can interrupt: from `dir`
 * appearing to `stateFile` in it containing `finished` (not the process exit after that).
 */
export async function evoganLife(args: string[], dir: string, stateFile: string, finished: string): Promise<{ done: Done; lifeMs: number }> {
  let appeared = 0;
  let ended = 0;
  const done = await evogan(args, {
    onPoll: async () => {
      appeared ||= await readdir(dir).then(() => Date.now(), () => 0);
      ended ||= (await readFile(join(dir, stateFile), "utf8").catch(() => "")).includes(finished) ? Date.now() : 0;
    },
  });
  return { done, lifeMs: (ended || Date.now()) - appeared };
}
