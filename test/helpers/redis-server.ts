// A throwaway redis-server for tests and benches: a free loopback port, no persistence, killed
// (-9) on stop(); started again on the same port, it stands for a Redis that came back.
// `haveRedisServer()` says whether the binary is installed at all.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export function haveRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on `port` (default: a free loopback port) and waits until it accepts connections. */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  for (let tries = 0; ; tries++) {
    const port = options.port ?? (await freePort());
    const child = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
    const ready = await new Promise<boolean>((resolve, reject) => {
      let log = "";
      const timer = setTimeout(() => resolve(false), 10_000);
      child.once("error", (e) => (clearTimeout(timer), reject(new Error(`cannot start redis-server: ${e.message}`))));
      child.once("exit", () => (clearTimeout(timer), resolve(false)));
      child.stdout.on("data", (d: Buffer) => {
        log += d;
        if (/ready to accept connections/i.test(log)) (clearTimeout(timer), resolve(true));
      });
    });
    if (ready) {
      child.stdout.resume();
      child.stderr.resume();
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      };
    }
    child.kill("SIGKILL");
    if (tries >= 2) throw new Error(`redis-server did not start (port ${port})`);
  }
}
