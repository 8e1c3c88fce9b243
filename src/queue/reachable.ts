// Connecting to the queue's Redis. BullMQ's clients (ioredis) reconnect forever, which is what a
// worker wants once running (Redis restarted, network blip; a sweep gives up after a deadline,
// redis-watch.ts), but at the start a wrong URL should be an error, not a silent wait: one plain
// connection is tried first.
import { Redis } from "ioredis";
import { redactRedisUrl } from "./queue-protocol.ts";

/**
 * Resolves once Redis at `redisUrl` answers PING; rejects within about `timeoutMs` otherwise, also
 * when something accepts the connection and never answers (ioredis' connectTimeout covers only
 * the TCP connect, and its ready check would wait forever).
 */
export async function reachable(redisUrl: string, timeoutMs = 15_000): Promise<void> {
  let cause = "";
  let timer: NodeJS.Timeout | undefined;
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  client.on("error", (e: Error) => (cause ||= e.message));
  const silent = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)));
  try {
    await Promise.race([client.connect().then(() => client.ping()), silent]);
  } catch (e) {
    throw new Error(`cannot reach the queue at ${redactRedisUrl(redisUrl)}: ${cause || (e as Error).message}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** Connection errors repeat while Redis is away: pass on at most one per `everyMs`. */
export function throttled(log: (line: string) => void, everyMs = 30_000): (e: Error) => void {
  let last = -Infinity;
  return (e) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log(`queue connection: ${e.message} (retrying)`);
  };
}
