// The queue pool of `evogan sweep/resume --queue`: every member can be in flight at once (the
// workers' slots are the limit), and segments go through storage under the sweep's outDir
// unless `--storage` names shared storage elsewhere.
//
// A Redis lost for longer than its deadline fails every task with RedisLost (a PoolLost): the
// sweep program stops on it, charging no member, and sweep.json keeps the last completed
// generation for `evogan resume ... --queue`.
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { memberPlans, type SweepConfig } from "../config/sweep-config.ts";
import type { MemberPool } from "../orchestrator/member-pool.ts";
import { queueMemberPool } from "./queue-member-pool.ts";
import { reachable } from "./reachable.ts";
import { REDIS_LOST_DEADLINE_MS } from "./redis-watch.ts";

export interface SweepQueueOptions {
  /** redis://host:port */
  readonly queue: string;
  /** file:///shared/dir or a path; default file://<outDir>/queue-storage. */
  readonly storage?: string;
}

/** Seconds a sweep waits for a lost Redis (REDIS_LOST_DEADLINE_MS when unset). */
export const RECONNECT_ENV = "EVOGAN_QUEUE_RECONNECT_S";

/** A file:// URI for `--storage` given as a URI or as a path (relative to the working directory). */
export function storageUri(storage: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(storage) ? storage : pathToFileURL(resolve(storage)).href;
}

/** The deadline for a lost Redis: EVOGAN_QUEUE_RECONNECT_S seconds, else REDIS_LOST_DEADLINE_MS. */
export function lostDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RECONNECT_ENV];
  if (raw === undefined || raw === "") return REDIS_LOST_DEADLINE_MS;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`${RECONNECT_ENV} must be a positive number of seconds, got '${raw}'`);
  return s * 1000;
}

/** Checks that Redis answers (a wrong URL fails here, with a plain message), then returns the pool's constructor. */
export async function sweepQueuePool(config: SweepConfig, options: SweepQueueOptions): Promise<() => Promise<MemberPool>> {
  const lostAfterMs = lostDeadlineMs();
  await reachable(options.queue);
  const say = (line: string) => process.stderr.write(`evogan: ${line}\n`);
  return () =>
    queueMemberPool({
      redisUrl: options.queue,
      storage: storageUri(options.storage ?? resolve(config.outDir, "queue-storage")),
      // One orchestrator's jobs and files; a resumed sweep starts a new id (its members come back from the sweep's own checkpoints).
      sweepId: `${config.name.replace(/[^\w-]/g, "_")}-${randomUUID().slice(0, 8)}`,
      slots: memberPlans(config.population).length,
      log: say,
      lostAfterMs,
    });
}
