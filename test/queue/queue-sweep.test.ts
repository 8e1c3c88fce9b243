// Sweeps through a Redis queue, end to end in real processes: a redis-server on a free loopback
// port, two `evogan worker` processes, and `evogan sweep/resume --queue`. The records must equal
// those of the same sweep run locally, also when a worker or the orchestrator is killed -9.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonl, sweepRecords } from "../helpers/sweep-records.ts";
import { evogan } from "../helpers/cli-process.ts";
import { haveRedisServer, startRedisServer, type RedisServer } from "../helpers/redis-server.ts";

const BIN = new URL("../../src/cli/bin.js", import.meta.url).pathname;
const CONFIG = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const small = ["--set", "generations=3", "--set", "segment.iterations=10", "--set", "backend=wasm"];

const enabled = haveRedisServer() || !!process.env.CI;
if (!enabled) console.warn("test/queue: redis-server is not installed (apt-get install redis-server): skipping the queue tests; with CI set they run.");


/** An `evogan worker` process and everything it printed. */
class WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  out = "";
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  private readonly watchers: Array<(line: string) => void> = [];

  constructor(url: string) {
    this.child = spawn(process.execPath, [BIN, "worker", "--queue", url, "--devices", "cpu", "--concurrency", "1", "--lock-duration", "3000"], { env: { ...process.env, CI: "1" } });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    let partial = "";
    this.ready = new Promise((resolve, reject) => {
      this.child.once("exit", (code) => reject(new Error(`evogan worker exited (${code}) before it was ready:\n${this.out}`)));
      this.child.stderr.on("data", (d: Buffer) => (this.out += d));
      this.child.stdout.on("data", (d: Buffer) => {
        this.out += d;
        partial += d;
        const lines = partial.split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          if (/evogan worker pid \d+: queue/.test(line)) resolve();
          for (const w of this.watchers) w(line);
        }
      });
    });
    this.ready.catch(() => {});
  }

  onLine(f: (line: string) => void): void {
    this.watchers.push(f);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}


describe.skipIf(!enabled)("evogan sweep --queue", () => {
  let redis: RedisServer;
  let out: string;
  let reference: unknown;
  let workers: WorkerProcess[] = [];
  const queueArgs = () => ["--queue", redis.url, "--storage", `file://${join(out, "shared")}`];

  beforeAll(async () => {
    redis = await startRedisServer();
    out = await mkdtemp(join(tmpdir(), "evogan-queue-sweep-"));
    workers = [new WorkerProcess(redis.url), new WorkerProcess(redis.url)];
    const ref = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=local"]);
    expect(ref.stderr).toBe("");
    expect(ref.code).toBe(0);
    reference = await sweepRecords(join(out, "local"));
    await Promise.all(workers.map((w) => w.ready));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
  });

  it("two worker processes give the same records as the same sweep run locally", async () => {
    const r = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=queued", ...queueArgs()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend wasm .*, 4 worker slot\(s\)/);
    expect(await sweepRecords(join(out, "queued"))).toEqual(reference);
    // Both workers trained segments; the orchestrator left no files on the shared storage.
    for (const w of workers) expect(w.out).toMatch(/job \S+ start: m\d generation \d, try 1/);
    expect(await readdir(join(out, "shared"))).toEqual([]);
  });

  it("kill -9 of the orchestrator, then `evogan resume --queue`: the sweep completes with the same records", async () => {
    const dir = join(out, "killed");
    const killed = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=killed", ...queueArgs()], {
      killWhen: async () => (await readFile(join(dir, "sweep.json"), "utf8").catch(() => "")).includes('"generationsDone": 1'),
    });
    expect(killed.signal).toBe("SIGKILL");
    const resumed = await evogan(["resume", dir, ...queueArgs()]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at generation [12]/);
    expect(await sweepRecords(dir)).toEqual(reference);
  });

  it("kill -9 of a worker mid-segment: BullMQ hands the stalled job to the other worker and the sweep completes unchanged", async () => {
    let victim: { worker: WorkerProcess; jobId: string } | undefined;
    for (const w of workers) {
      w.onLine((line) => {
        const m = /job (\S+) start: m\d generation 1, try 1/.exec(line);
        if (!m || victim) return;
        victim = { worker: w, jobId: m[1] };
        w.child.kill("SIGKILL");
      });
    }
    const r = await evogan(["sweep", CONFIG, ...small, "--set", `outDir=${out}`, "--set", "name=worker-killed", ...queueArgs()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(victim).toBeDefined();
    expect(victim!.worker.child.signalCode).toBe("SIGKILL");
    expect(victim!.worker.out).not.toContain(`job ${victim!.jobId} done`);
    const survivor = workers.find((w) => w !== victim!.worker)!;
    // The retry is visible: the survivor took the same job as its second try.
    expect(survivor.out).toMatch(new RegExp(`job ${victim!.jobId.replace(/[.]/g, "\\.")} start: .*, try 2`));
    expect(survivor.out).toContain(`job ${victim!.jobId} done`);
    expect(await sweepRecords(join(out, "worker-killed"))).toEqual(reference);
  });
});
