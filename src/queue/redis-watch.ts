// How the queue lives with a Redis that goes away. A sweep's orchestrator watches its Redis with
// one small connection of its own: an outage is reported once when it starts and once when it
// ends, and an outage longer than a deadline is final (the sweep fails and can be resumed later).
// Every connection is tried again at a short fixed interval, and every close is bounded: a
// graceful close of a BullMQ connection waits on a server that may be gone, and must not hold
// Ctrl-C hostage.
import { PoolLost } from "../errors.ts";
import { Redis } from "ioredis";
import { redactRedisUrl } from "./queue-protocol.ts";

/**
 * How long a sweep waits for its queue's Redis to come back before it fails: a restart of Redis
 * or the promotion of a replica takes seconds to a few tens of seconds, and a sweep whose Redis
 * is really gone should say so while someone is still watching. EVOGAN_QUEUE_RECONNECT_S
 * overrides it (sweep-queue-pool.ts). Workers never give up: they wait for Redis as for work.
 */
export const REDIS_LOST_DEADLINE_MS = 30_000;
/**
 * How often a lost connection is tried again: a refused connect costs nothing, and ioredis'
 * default backoff (as BullMQ sets it) grows to 20 s, so a Redis back after 12 s could otherwise
 * be noticed only after a 30 s deadline had passed.
 */
export const RECONNECT_EVERY_MS = 1_000;
/** How often the watch pings a connection that looks open: a server that stopped answering (a network partition, a paused VM) sends no reset. */
export const PING_EVERY_MS = 2_000;
/** How long a ping may take; longer counts as unreachable. */
export const PING_TIMEOUT_MS = 2_000;
/** How long closing a queue connection may take before it is dropped: a quit waits for a reply that a dead server never sends. */
export const CLOSE_TIMEOUT_MS = 2_000;

/** ioredis' retryStrategy for every queue connection: try again every RECONNECT_EVERY_MS, forever (the watch decides when to give up). */
export const reconnectEvery = (): number => RECONNECT_EVERY_MS;

/** Whether `work` settled within `ms`; it is not cancelled when it did not (a bounded wait, not a timeout error). */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connection trouble (refused, reset, timed out, a closed stream, retries exhausted): an outage,
 * which the watch reports, not a fault of the queue. Told apart by what it is not: the one error
 * Redis itself answers with is a ReplyError (a failing script, a wrong command), by class name,
 * since bullmq may hold its own copy of ioredis; everything else on a connection's "error" event
 * is the socket's or ioredis' connection handling.
 */
export function isConnectionError(e: Error): boolean {
  return e.name !== "ReplyError";
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** The queue's Redis stayed unreachable for longer than the deadline. */
export class RedisLost extends PoolLost {
  constructor(
    /** The Redis URL without its password. */
    readonly where: string,
    readonly forMs: number,
    /** The last connection error, e.g. "connect ECONNREFUSED 127.0.0.1:6379". */
    readonly reason: string,
  ) {
    super({ message: `lost the queue's Redis at ${where} for ${seconds(forMs)} (${reason})` });
  }
}

export interface RedisWatchOptions {
  /** How long Redis may stay unreachable before it is declared lost; default REDIS_LOST_DEADLINE_MS. */
  readonly deadlineMs?: number;
  /** Told once when an outage starts and once when it ends. */
  readonly log?: (line: string) => void;
  /** Called once, when Redis is declared lost, before `lost` rejects. */
  readonly onLost?: (lost: RedisLost) => void;
  /** Called when Redis answers again after an outage (it may have restarted empty). */
  readonly onBack?: () => void;
}

export interface RedisWatch {
  /** Whether Redis answered the last time the watch looked. */
  readonly up: () => boolean;
  /** Rejects with RedisLost when Redis is declared lost; never resolves. */
  readonly lost: Promise<never>;
  /** Stops watching and drops the connection (no reply awaited). */
  close(): void;
}

/** Watches Redis at `redisUrl` (which answered a moment ago) until it is declared lost or the watch is closed. */
export function watchRedis(redisUrl: string, options: RedisWatchOptions = {}): RedisWatch {
  const where = redactRedisUrl(redisUrl);
  const deadlineMs = options.deadlineMs ?? REDIS_LOST_DEADLINE_MS;
  const log = options.log ?? (() => {});
  let rejectLost: (e: RedisLost) => void = () => {};
  const lost = new Promise<never>((_, reject) => (rejectLost = reject));
  lost.catch(() => {}); // a rejection nobody waits for is not a crash

  let closed = false;
  let downSince: number | undefined;
  let reason = "";
  let deadline: NodeJS.Timeout | undefined;

  const client = new Redis(redisUrl, { retryStrategy: reconnectEvery, maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: PING_TIMEOUT_MS, connectTimeout: PING_TIMEOUT_MS });

  const down = (why: string) => {
    if (closed) return;
    if (why) reason = why;
    if (downSince !== undefined) return;
    downSince = Date.now();
    log(`lost the connection to the queue's Redis at ${where} (${reason || "connection closed"}); trying again for up to ${seconds(deadlineMs)}`);
    deadline = setTimeout(() => {
      const e = new RedisLost(where, Date.now() - downSince!, reason || "connection closed");
      close();
      options.onLost?.(e);
      rejectLost(e);
    }, deadlineMs);
  };
  const up = () => {
    if (closed || downSince === undefined) return;
    log(`the queue's Redis at ${where} is back after ${seconds(Date.now() - downSince)}`);
    clearTimeout(deadline);
    downSince = undefined;
    reason = "";
    options.onBack?.();
  };
  client.on("error", (e: Error) => down(e.message));
  client.on("close", () => down(""));
  client.on("ready", up);
  const pinger = setInterval(() => {
    if (client.status === "ready") client.ping().then(up, (e: Error) => down(e.message));
  }, PING_EVERY_MS);
  pinger.unref();

  function close() {
    if (closed) return;
    closed = true;
    clearInterval(pinger);
    clearTimeout(deadline);
    client.disconnect();
  }

  return { up: () => !closed && downSince === undefined, lost, close };
}
