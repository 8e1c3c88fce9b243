// watchRedis against a real redis-server killed (-9) and started again on the same port: one
// line when an outage starts, one when it ends, and an outage past the deadline declared lost.
import { afterEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { isConnectionError, RedisLost, watchRedis, within, type RedisWatch } from "../../src/queue/redis-watch.ts";
import { haveRedisServer, startRedisServer, type RedisServer } from "../helpers/redis-server.ts";

const enabled = haveRedisServer() || !!process.env.CI;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("within", () => {
  it("says whether the work settled in time, rejected or not", async () => {
    expect(await within(1000, Promise.resolve(1))).toBe(true);
    expect(await within(1000, Promise.reject(new Error("no")))).toBe(true);
    expect(await within(20, new Promise(() => {}))).toBe(false);
  });
});

describe.skipIf(!enabled)("watchRedis", () => {
  let redis: RedisServer | undefined;
  let watch: RedisWatch | undefined;
  afterEach(async () => {
    watch?.close();
    await redis?.stop();
  });

  it("reports an outage once when it starts and once when it ends; a Redis back within the deadline is not lost", async () => {
    redis = await startRedisServer();
    const log: string[] = [];
    const lost: RedisLost[] = [];
    watch = watchRedis(redis.url, { deadlineMs: 60_000, log: (l) => log.push(l), onLost: (e) => lost.push(e) });
    await redis.stop();
    await expect.poll(() => log.length, { timeout: 10_000 }).toBe(1);
    // The cause is whatever the socket said first: the connection closed, reset, or refused.
    expect(log[0]).toMatch(new RegExp(`^lost the connection to the queue's Redis at ${esc(redis.url)} \\(.+\\); trying again for up to 60 s$`));
    expect(watch.up()).toBe(false);
    await sleep(2500); // a few reconnect attempts, refused: still one line
    expect(log).toHaveLength(1);
    redis = await startRedisServer({ port: redis.port });
    await expect.poll(() => log.length, { timeout: 10_000 }).toBe(2);
    expect(log[1]).toMatch(new RegExp(`^the queue's Redis at ${esc(redis.url)} is back after \\d+(\\.\\d)? s$`));
    expect(watch.up()).toBe(true);
    expect(lost).toEqual([]);
  });

  it("declares Redis lost after the deadline: onLost once, then `lost` rejects naming the URL, the time and the last error", async () => {
    redis = await startRedisServer();
    const order: string[] = [];
    watch = watchRedis(redis.url, { deadlineMs: 500, onLost: (e) => order.push(`onLost: ${e.message}`) });
    watch.lost.catch(() => order.push("rejected"));
    await redis.stop();
    const e = await watch.lost.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RedisLost);
    expect((e as RedisLost).message).toMatch(new RegExp(`^lost the queue's Redis at ${esc(redis.url)} for 0\\.5 s \\(.+\\)$`));
    await sleep(0);
    expect(order).toEqual([`onLost: ${(e as RedisLost).message}`, "rejected"]);
    expect(watch.up()).toBe(false);
  });
});

describe.skipIf(!enabled)("isConnectionError", () => {
  it("is false for what Redis answers (a failing script, an unknown command) and true for a refused, closed or dropped connection", async () => {
    const redis = await startRedisServer();
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      const script = await client.eval("return redis.error_reply('boom')", 0).catch((e: Error) => e);
      const unknown = await client.call("NO-SUCH-COMMAND").catch((e: Error) => e);
      expect([script, unknown].map((e) => e instanceof Error && isConnectionError(e))).toEqual([false, false]);
      await redis.stop();
      const dropped = await client.ping().catch((e: Error) => e);
      expect(dropped).toBeInstanceOf(Error);
      expect(isConnectionError(dropped as Error)).toBe(true);
      client.disconnect();
      const closed = await client.ping().catch((e: Error) => e);
      expect(isConnectionError(closed as Error)).toBe(true);
    } finally {
      client.disconnect();
      await redis.stop();
    }
    // The socket's refusal arrives on the "error" event (connect() itself rejects with "Connection is closed.").
    const refused = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const events: Error[] = [];
    refused.on("error", (err: Error) => events.push(err));
    const rejected = await refused.connect().then(() => undefined, (err: Error) => err);
    refused.disconnect();
    expect(rejected).toBeInstanceOf(Error);
    expect(isConnectionError(rejected as Error)).toBe(true);
    const e = events[0];
    expect((e as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    expect(isConnectionError(e as Error)).toBe(true);
  });
});
