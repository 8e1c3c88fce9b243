// queueMemberPool against a real redis-server and an in-process runQueueWorker whose local pool
// is a stand-in (no tfjs): state goes through files, identical tasks are answered once, failing
// jobs are retried by BullMQ, a job failing with an error of evogan's rejects with it (by tag),
// and an aborted task leaves no job behind. With the redis-server
// killed: a task fails once Redis has been gone past the deadline, an aborted one at once, and
// nothing waits on the dead server.
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BackendMissing } from "../../src/errors.ts";
import type { MemberPool } from "../../src/orchestrator/member-pool.ts";
import { queueMemberPool, type QueueMemberPoolOptions } from "../../src/queue/queue-member-pool.ts";
import { runQueueWorker, type QueueWorker } from "../../src/queue/queue-worker.ts";
import { RedisLost } from "../../src/queue/redis-watch.ts";
import type { AdvanceResult, EganMemberConfig, MemberState, WorkerTask } from "../../src/worker/protocol.ts";
import type { ToyMetrics } from "../../src/records.ts";
import { haveRedisServer, startRedisServer, type RedisServer } from "../helpers/redis-server.ts";

const enabled = haveRedisServer() || !!process.env.CI;
if (!enabled) console.warn("test/queue: redis-server is not installed (apt-get install redis-server): skipping the queue tests; with CI set they run.");

const config = { dataset: "ring8", seed: 7 } as unknown as EganMemberConfig; // the stand-in pool reads nothing else

/** A local pool that "trains" by counting: a member's state is its iteration. */
function countingPool(trained: string[], failOnce: Set<string>): MemberPool {
  const members = new Map<string, number>();
  const handle = async (task: WorkerTask): Promise<unknown> => {
    switch (task.kind) {
      case "init":
        if (task.backend === "tensorflow-gpu") throw new BackendMissing(task.backend, "@tensorflow/tfjs-node-gpu", new Error("Cannot find package '@tensorflow/tfjs-node-gpu'"));
        members.set(task.memberId, task.state?.trainer.it ?? 0);
        return { backend: "wasm", matmul: "stand-in" };
      case "advance": {
        if (failOnce.delete(task.memberId)) throw new Error(`injected failure of ${task.memberId}`);
        trained.push(`${task.memberId}@${task.generation}`);
        const from = members.get(task.memberId)!;
        const it = from + task.iterations;
        members.set(task.memberId, it);
        const records = Array.from({ length: task.iterations }, (_, i) => ({ type: "iteration", it: from + i + 1, elapsedMs: 0 }));
        const png = Uint8Array.from([137, 80, 78, 71, it, 255, 0]);
        return { records, evaluation: { it, metrics: { modes: 1, totalModes: 8, highQuality: Number.NaN }, png }, trainMs: 1 };
      }
      case "export":
        return { trainer: { it: members.get(task.memberId) }, trainMs: 2 };
      case "release":
        members.delete(task.memberId);
        return null;
    }
  };
  return { slots: 1, describe: ["stand-in slot 0"], run: <T>(_slot: number, task: WorkerTask) => handle(task) as Promise<T>, destroy: async () => {} };
}

describe.skipIf(!enabled)("queueMemberPool", () => {
  let redis: RedisServer;
  let storage: string;
  let worker: QueueWorker;
  let pool: MemberPool;
  const trained: string[] = [];
  const failOnce = new Set<string>();
  const log: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    storage = await mkdtemp(join(tmpdir(), "evogan-queue-"));
    worker = await runQueueWorker({ redisUrl: redis.url, queueName: "unit", pool: countingPool(trained, failOnce), log: (l) => log.push(l) });
    pool = await queueMemberPool({ redisUrl: redis.url, queueName: "unit", storage: pathToFileURL(storage).href, sweepId: "unit-1", slots: 2 });
  });

  afterAll(async () => {
    await pool?.destroy();
    await worker?.close();
    await redis?.stop();
  });

  it("describes its slots by queue", () => {
    expect(pool.slots).toBe(2);
    expect(pool.describe).toEqual([`queue ${redis.url} slot 0`, `queue ${redis.url} slot 1`]);
  });

  it("advances a member from its state file on a worker, keeps the picture's bytes and NaN intact, and exports what the worker wrote", async () => {
    expect(await pool.run(0, { kind: "init", memberId: "a", backend: "auto", config })).toEqual({ backend: "wasm", matmul: "stand-in" });
    const r0 = await pool.run<AdvanceResult>(0, { kind: "advance", memberId: "a", iterations: 3, evaluate: { samples: 2 }, generation: 0 });
    expect(r0.records.map((r) => r.it)).toEqual([1, 2, 3]);
    expect([...(r0.evaluation?.png ?? [])]).toEqual([137, 80, 78, 71, 3, 255, 0]);
    expect((r0.evaluation?.metrics as ToyMetrics | undefined)?.highQuality).toBeNaN();
    const r1 = await pool.run<AdvanceResult>(1, { kind: "advance", memberId: "a", iterations: 2, generation: 1 });
    expect(r1.records.map((r) => r.it)).toEqual([4, 5]);
    expect((await pool.run<MemberState>(0, { kind: "export", memberId: "a" })).trainer.it).toBe(5);
    // Storage keeps the current state and the last result, nothing older.
    const [sweep] = await readdir(storage);
    expect((await readdir(join(storage, sweep, "members", "a"))).sort()).toEqual([expect.stringMatching(/^g0001-\w+\.ckpt$/), expect.stringMatching(/^g0001-\w+\.result$/)]);
  });

  it("answers a task submitted again for the same state and generation from the stored job, without training twice", async () => {
    const state = { trainer: { it: 10 }, trainMs: 0 } as unknown as MemberState;
    await pool.run(0, { kind: "init", memberId: "b", backend: "auto", config, state });
    const first = await pool.run<AdvanceResult>(0, { kind: "advance", memberId: "b", iterations: 1, evaluate: { samples: 2 }, generation: 4 });
    // The orchestrator's retry path: put the member back from the same state, advance again.
    await pool.run(0, { kind: "init", memberId: "b", backend: "auto", config, state });
    const again = await pool.run<AdvanceResult>(0, { kind: "advance", memberId: "b", iterations: 1, evaluate: { samples: 2 }, generation: 4, attempt: 1 });
    expect(again).toEqual(first);
    expect(trained.filter((t) => t === "b@4")).toHaveLength(1);
    expect((await pool.run<MemberState>(0, { kind: "export", memberId: "b" })).trainer.it).toBe(11);
  });

  it("exports a member that never advanced (a worker builds its state) and forgets a released one", async () => {
    await pool.run(0, { kind: "init", memberId: "c", backend: "auto", config });
    expect((await pool.run<MemberState>(0, { kind: "export", memberId: "c" })).trainer.it).toBe(0);
    await pool.run(0, { kind: "release", memberId: "c" });
    await expect(pool.run(0, { kind: "advance", memberId: "c", iterations: 1 })).rejects.toThrow(/not resident/);
  });

  it("has BullMQ retry a job whose processor throws; the worker logs the second try", async () => {
    failOnce.add("d");
    await pool.run(0, { kind: "init", memberId: "d", backend: "auto", config });
    const r = await pool.run<AdvanceResult>(0, { kind: "advance", memberId: "d", iterations: 2, generation: 0 });
    expect(r.records.map((x) => x.it)).toEqual([1, 2]);
    expect(log.some((l) => /d generation 0, try 1/.test(l))).toBe(true);
    expect(log.some((l) => /failed: injected failure of d/.test(l))).toBe(true);
    expect(log.some((l) => /d generation 0, try 2/.test(l))).toBe(true);
  });

  it("a job that fails with one of evogan's errors rejects with it, rebuilt by tag: a worker without the backend asked for", async () => {
    const e = await pool.run(0, { kind: "init", memberId: "gpu", backend: "tensorflow-gpu", config }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendMissing);
    expect(e).toMatchObject({ backend: "tensorflow-gpu", pkg: "@tensorflow/tfjs-node-gpu", message: "backend 'tensorflow-gpu' is not available: install it with `npm install @tensorflow/tfjs-node-gpu` (Cannot find package '@tensorflow/tfjs-node-gpu')" });
    // The worker's log says it in words.
    expect(log.some((l) => /failed: backend 'tensorflow-gpu' is not available/.test(l))).toBe(true);
  });

  it("on abort removes a job that no worker has taken", async () => {
    const idle = await queueMemberPool({ redisUrl: redis.url, queueName: "nobody-listens", storage: pathToFileURL(storage).href, sweepId: "idle", slots: 1 });
    const queue = new Queue("nobody-listens", { connection: { url: redis.url } });
    try {
      const abort = new AbortController();
      const init = idle.run(0, { kind: "init", memberId: "e", backend: "auto", config }, abort.signal);
      await expect.poll(() => queue.getWaitingCount()).toBe(1);
      abort.abort();
      await expect(init).rejects.toThrow(/aborted/);
      await expect.poll(() => queue.getWaitingCount()).toBe(0);
    } finally {
      await queue.close();
      await idle.destroy();
    }
  });
});

describe.skipIf(!enabled)("queueMemberPool when Redis goes away", () => {
  let redis: RedisServer;
  let storage: string;
  beforeEach(async () => {
    redis = await startRedisServer();
    storage = await mkdtemp(join(tmpdir(), "evogan-queue-lost-"));
  });
  afterEach(async () => {
    await redis?.stop();
  });

  // No worker listens on these queues: a task waits until Redis is lost or it is aborted.
  const idlePool = (extra: Partial<QueueMemberPoolOptions>) =>
    queueMemberPool({ redisUrl: redis.url, queueName: "nobody-listens", storage: pathToFileURL(storage).href, sweepId: "lost", slots: 1, ...extra });

  it("fails a waiting task with RedisLost once Redis has been gone for lostAfterMs, tells onLost first, and fails later tasks at once", async () => {
    const told: string[] = [];
    const log: string[] = [];
    const pool = await idlePool({ lostAfterMs: 1000, onLost: (e) => told.push(e.message), log: (l) => log.push(l) });
    const init = pool.run(0, { kind: "init", memberId: "a", backend: "auto", config });
    const settled = init.then(
      () => "resolved",
      () => (told.length === 1 ? "rejected after onLost" : "rejected before onLost"),
    );
    await redis.stop();
    await expect(init).rejects.toThrow(new RegExp(`^lost the queue's Redis at ${redis.url.replace(/[.]/g, "\\.")} for 1 s \\(.+\\)$`));
    await expect(init).rejects.toBeInstanceOf(RedisLost);
    expect(await settled).toBe("rejected after onLost");
    expect(told).toHaveLength(1);
    // One line while it lasted, no "retrying" stream.
    expect(log).toEqual([expect.stringMatching(/^lost the connection to the queue's Redis at .*; trying again for up to 1 s$/)]);
    await expect(pool.run(0, { kind: "init", memberId: "b", backend: "auto", config })).rejects.toBeInstanceOf(RedisLost);
    await pool.destroy();
  }, 30_000);

  it("adds the awaited jobs again when Redis comes back without them (restarted without persistence), and the task completes", async () => {
    const log: string[] = [];
    const pool = await idlePool({ queueName: "restarted", log: (l) => log.push(l) });
    const init = pool.run(0, { kind: "init", memberId: "a", backend: "auto", config });
    const queue = new Queue("restarted", { connection: { url: redis.url } });
    await expect.poll(() => queue.getWaitingCount()).toBe(1);
    await queue.close();
    await redis.stop();
    redis = await startRedisServer({ port: redis.port });
    await expect.poll(() => log.at(-1), { timeout: 15_000 }).toBe("the queue's Redis came back without 1 job(s) of this sweep: added again");
    const worker = await runQueueWorker({ redisUrl: redis.url, queueName: "restarted", pool: countingPool([], new Set()) });
    try {
      expect(await init).toEqual({ backend: "wasm", matmul: "stand-in" });
    } finally {
      await worker.close();
      await pool.destroy();
    }
  }, 30_000);

  it("stops waiting at once when a task is aborted while Redis is away, and destroy does not wait on the dead server", async () => {
    const log: string[] = [];
    const pool = await idlePool({ lostAfterMs: 600_000, log: (l) => log.push(l) });
    const abort = new AbortController();
    const init = pool.run(0, { kind: "init", memberId: "a", backend: "auto", config }, abort.signal);
    init.catch(() => {});
    await redis.stop();
    await expect.poll(() => log.length, { timeout: 10_000 }).toBe(1);
    abort.abort();
    await expect(init).rejects.toThrow(/aborted/);
    // Bounded by this test's timeout, far below the 10 minutes Redis may still come back in.
    await pool.destroy();
  }, 30_000);
});
