// Redis going away and Ctrl-C, in real processes: a redis-server killed -9 (and started again on
// the same port), `evogan worker` and `evogan sweep/resume --queue`. A sweep whose Redis stays
// away past its deadline fails with one line and exit 5 and resumes later; SIGINT ends a sweep
// or a worker within seconds, Redis or not; a stopped worker hands its running job back.
// The time bounds below bound hangs (the faults were minutes, or forever); they are not speeds.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { processAlive } from "../../src/liveness.ts";
import { QUEUE_NAME } from "../../src/queue/queue-protocol.ts";
import { RECONNECT_ENV } from "../../src/queue/sweep-queue-pool.ts";
import { haveRedisServer, startRedisServer, type RedisServer } from "../helpers/redis-server.ts";

const BIN = new URL("../../src/cli/bin.js", import.meta.url).pathname;
const CONFIG = new URL("../../configs/sweep-tiny.json", import.meta.url).pathname;
const small = ["--set", "segment.iterations=10", "--set", "backend=wasm"];
/** Far above any healthy stop (about a second) and far below the faults' minutes. */
const HANG_MS = 20_000;

const enabled = haveRedisServer() || !!process.env.CI;
if (!enabled) console.warn("test/queue: redis-server is not installed (apt-get install redis-server): skipping the queue tests; with CI set they run.");

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** An evogan process, its output line by line, and how it ended. */
class Evogan {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: "1", ...env } });
    this.child.stdout.on("data", (d: Buffer) => (this.stdout += d));
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once `test` holds for stdout + stderr; rejects if the process ends first. */
  async until(test: RegExp, timeoutMs = 60_000): Promise<void> {
    const t0 = Date.now();
    while (!test.test(this.stdout + this.stderr)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`evogan ended before ${test}:\n${this.stdout}${this.stderr}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`no ${test} within ${timeoutMs} ms:\n${this.stdout}${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Sends `signal` and measures how long the process takes to end. */
  async signal(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    this.child.kill(signal);
    const { code } = await this.exited;
    return { code, ms: Date.now() - t0 };
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

const sweepState = async (dir: string) => JSON.parse(await readFile(join(dir, "sweep.json"), "utf8")) as { status: string; pid?: number; generationsDone: number };
/** Waits until the sweep in `dir` has recorded `n` generations; fails if its process ends first. */
async function untilGenerations(sweep: Evogan, dir: string, n: number): Promise<void> {
  while ((await sweepState(dir).then((s) => s.generationsDone, () => -1)) < n) {
    if (sweep.child.exitCode !== null || sweep.child.signalCode !== null) throw new Error(`the sweep ended before generation ${n}:\n${sweep.stdout}${sweep.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!enabled)("the queue when Redis goes away, and Ctrl-C", () => {
  let out: string;
  const started: Evogan[] = [];
  const servers: RedisServer[] = [];
  const evogan = (args: string[], env?: Record<string, string>) => {
    const p = new Evogan(args, env);
    started.push(p);
    return p;
  };
  const worker = (url: string) => evogan(["worker", "--queue", url, "--devices", "cpu", "--concurrency", "1", "--lock-duration", "3000"]);
  const redisServer = async (port?: number) => {
    const r = await startRedisServer({ port });
    servers.push(r);
    return r;
  };

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "evogan-queue-outage-"));
  });
  afterEach(async () => {
    for (const p of started.splice(0)) p.kill();
    await Promise.all(servers.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it("a sweep whose Redis dies fails within its deadline with one line naming the URL and the resume command (exit 5), and resumes once Redis is back", async () => {
    const redis = await redisServer();
    const w = worker(redis.url);
    await w.until(/evogan worker pid \d+: queue/);
    const dir = join(out, "lost");
    const sweep = evogan(["sweep", CONFIG, ...small, "--set", "generations=3", "--set", `outDir=${out}`, "--set", "name=lost", "--queue", redis.url], { [RECONNECT_ENV]: "2" });
    await untilGenerations(sweep, dir, 1);
    const t0 = Date.now();
    await redis.stop();
    const { code } = await sweep.exited;
    const ms = Date.now() - t0;

    expect(code).toBe(EXIT.worker);
    expect(ms).toBeLessThan(HANG_MS);
    const lines = sweep.stderr.trimEnd().split("\n");
    // One line when Redis went away, one when the sweep gave up: no "retrying" stream.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^evogan: lost the connection to the queue's Redis at ${esc(redis.url)} \\(.+\\); trying again for up to 2 s$`));
    expect(lines[1]).toMatch(new RegExp(`^evogan: lost the queue's Redis at ${esc(redis.url)} for 2 s \\(.+\\); the sweep can be resumed with \`evogan resume ${esc(dir)} --queue ${esc(redis.url)}\`$`));
    // Resumable: sweep.json says failed (or running, for a process that is gone), never finished.
    const state = await sweepState(dir);
    expect(state.generationsDone).toBeGreaterThanOrEqual(1);
    expect(state.status === "running" ? !processAlive(state.pid!) : state.status !== "finished").toBe(true);

    // Redis back on the same port: the worker reconnects by itself, and the sweep resumes as told.
    await redisServer(redis.port);
    const resumed = evogan(["resume", dir, "--queue", redis.url]);
    const r = await resumed.exited;
    expect(resumed.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at generation [12]/);
    expect(await sweepState(dir)).toMatchObject({ status: "finished", generationsDone: 3 });
    expect(w.stdout).toMatch(/job \S+ start: m\d generation 2/);
  }, 120_000);

  it("SIGINT while Redis is down ends a sweep within seconds (130, resumable) and its worker too (0)", async () => {
    const redis = await redisServer();
    const w = worker(redis.url);
    await w.until(/evogan worker pid \d+: queue/);
    const dir = join(out, "interrupted");
    // The default deadline (30 s): the sweep is still waiting for Redis when it is interrupted.
    const sweep = evogan(["sweep", CONFIG, ...small, "--set", "generations=4", "--set", `outDir=${out}`, "--set", "name=interrupted", "--queue", redis.url]);
    await untilGenerations(sweep, dir, 1);
    await redis.stop();
    await sweep.until(/trying again for up to 30 s/);
    await w.until(/queue connection: .*\(retrying\)/);

    const s = await sweep.signal("SIGINT");
    expect(s.code).toBe(EXIT.interrupted);
    expect(s.ms).toBeLessThan(HANG_MS);
    expect(sweep.stderr).toContain(`interrupted: resume with \`evogan resume ${dir} --queue ${redis.url}\``);
    expect((await sweepState(dir)).status).toBe("interrupted");

    const stopped = await w.signal("SIGINT");
    expect(stopped.code).toBe(EXIT.ok);
    expect(stopped.ms).toBeLessThan(HANG_MS);
    expect(w.stdout).toMatch(/ SIGINT: stopping[^]* stopped\n$/);
  }, 120_000);

  it("SIGINT stops a worker within seconds mid-job, and the job goes back to the queue for another worker", async () => {
    const redis = await redisServer();
    const w = worker(redis.url);
    await w.until(/evogan worker pid \d+: queue/);
    // Segments long enough to still be running when the signal comes.
    const sweep = evogan(["sweep", CONFIG, "--set", "segment.iterations=1000000", "--set", "backend=wasm", "--set", "generations=2", "--set", `outDir=${out}`, "--set", "name=handback", "--queue", redis.url]);
    await w.until(/job \S+ start: m\d generation 0/);
    const jobId = /job (\S+) start: m\d generation 0/.exec(w.stdout)![1];

    const stopped = await w.signal("SIGINT");
    expect(stopped.code).toBe(EXIT.ok);
    expect(stopped.ms).toBeLessThan(HANG_MS);
    expect(w.stdout).toContain(`job ${jobId} handed back to the queue`);
    expect(w.stdout).toMatch(/stopped, 1 job\(s\) handed back\n$/);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    try {
      expect(await (await queue.getJob(jobId))?.getState()).toBe("waiting");
    } finally {
      await queue.close();
    }
    // The sweep is still waiting for that job; a second worker takes it, as its second try.
    const other = worker(redis.url);
    await other.until(new RegExp(`job ${esc(jobId)} start: .*, try 2`));
    expect((await sweep.signal("SIGINT")).code).toBe(EXIT.interrupted);
  }, 120_000);

  it("SIGINT before a worker is ready (its Redis accepts the connection and never answers) ends it at once", async () => {
    let connected = false;
    const silent = createServer(() => (connected = true));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const address = silent.address();
      const w = worker(`redis://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
      // Connecting means its signal handlers are in place.
      while (!connected) await new Promise((resolve) => setTimeout(resolve, 25));
      const stopped = await w.signal("SIGINT");
      expect(stopped.code).toBe(EXIT.ok);
      expect(stopped.ms).toBeLessThan(HANG_MS);
      expect(w.stdout).toMatch(/SIGINT before the worker was ready: nothing taken, exiting\n$/);
    } finally {
      silent.close();
    }
  }, 60_000);
});
