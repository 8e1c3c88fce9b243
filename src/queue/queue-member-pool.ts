// A MemberPool over a Redis job queue (BullMQ): segments of a sweep run on `evogan worker`
// processes on any number of machines (queue-worker.ts). Workers keep nothing between jobs, so
// residency is emulated with files on shared storage: the pool remembers each member's config
// and the file of its current state, and a segment job names the file it starts from and the
// files it must write. Payloads in Redis carry references, never weights.
//
// A segment's job id is `<sweepId>.<member>.g<generation>.<hash of (starting state, config,
// backend, iterations, evaluate)>`, so a retried or duplicated task cannot be counted twice:
// submitting a job that already completed returns its stored result (completed jobs are kept),
// and one that is still waiting or running is awaited, not run again. A job whose processor
// throws is retried by BullMQ (attempts, exponential backoff); a job whose worker dies is taken
// back by BullMQ's stalled-job check and run by another worker. A job that finally fails with one
// of evogan's errors (a missing backend, say) rejects with that error, rebuilt by its tag
// (queue-protocol.ts, jobError/jobFailure).
//
// Redis going away: the pool watches it (redis-watch.ts). While it is away, tasks wait; when it
// is back, the jobs still awaited are added again if it lost them (a restart without
// persistence), under the same ids. Once it has been away for `lostAfterMs`, `onLost` is told and
// every task, pending or new, fails with RedisLost. An aborted task stops waiting at once, and
// destroy() never waits on a dead server for longer than CLOSE_TIMEOUT_MS.
import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Queue, QueueEvents, type Job } from "bullmq";
import type { BackendChoice } from "../compute/backend.ts";
import { encodeCheckpoint, readCheckpoint, writeFileAtomic } from "../orchestrator/checkpoint-file.ts";
import { AbortError } from "../errors.ts";
import type { MemberPool } from "../orchestrator/member-pool.ts";
import type { AdvanceResult, EganMemberConfig, InitResult, MemberState, WorkerTask } from "../worker/protocol.ts";
import { reachable, throttled } from "./reachable.ts";
import { CLOSE_TIMEOUT_MS, reconnectEvery, REDIS_LOST_DEADLINE_MS, isConnectionError, watchRedis, within, type RedisLost } from "./redis-watch.ts";
import { asResultFile, asStateFile, jobFailure, QUEUE_NAME, redactRedisUrl, storagePath, type QueueJobData, type QueueJobResult, type QueueStateFile, type SegmentJob } from "./queue-protocol.ts";

export interface QueueMemberPoolOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly redisUrl: string;
  /** file:///path of storage that every worker mounts at the same path. */
  readonly storage: string;
  /** Names this pool's jobs and its folder under `storage`; unique per running orchestrator. */
  readonly sweepId: string;
  /** How many tasks may be in flight at once (the sweep advances that many members together). */
  readonly slots: number;
  readonly queueName?: string;
  /** Tries per segment job when its processor throws (exponential backoff from 1 s); default 3. */
  readonly attempts?: number;
  /** Where to say that no worker has answered yet (after `quietMs`, default 15 s) or that Redis went away and came back. */
  readonly log?: (line: string) => void;
  readonly quietMs?: number;
  /** How long to wait for Redis at the start; default 15 s. */
  readonly connectTimeoutMs?: number;
  /** How long Redis may be unreachable before every task fails with RedisLost; default REDIS_LOST_DEADLINE_MS. */
  readonly lostAfterMs?: number;
  /** Told once, when Redis is declared lost, before the pending tasks fail. */
  readonly onLost?: (lost: RedisLost) => void;
}

interface Resident {
  readonly config: EganMemberConfig;
  readonly backend: BackendChoice;
  /** The file of the member's current state and a key naming that state; null: fresh from config. */
  current: { readonly uri: string; readonly key: string } | null;
}

type QueueJob = Job<QueueJobData, QueueJobResult>;

const WAITING_STATES = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);
const KEEP_FINISHED = { age: 7 * 24 * 3600 };

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

export async function queueMemberPool(options: QueueMemberPoolOptions): Promise<MemberPool> {
  const { redisUrl, sweepId, slots } = options;
  if (!Number.isInteger(slots) || slots < 1) throw new Error(`slots must be a positive integer, got ${slots}`);
  if (!/^[\w-]+$/.test(sweepId)) throw new Error(`invalid sweepId '${sweepId}': letters, digits, _ and - only`);
  const root = join(storagePath(options.storage), sweepId);
  const queueName = options.queueName ?? QUEUE_NAME;
  // Commands wait while Redis is away (no per-command retry limit): the watch decides when to give up.
  const connection = { url: redisUrl, retryStrategy: reconnectEvery, maxRetriesPerRequest: null };
  await reachable(redisUrl, options.connectTimeoutMs);
  await mkdir(join(root, "members"), { recursive: true });
  const awaited = new Map<string, QueueJob>();
  const watch = watchRedis(redisUrl, { deadlineMs: options.lostAfterMs ?? REDIS_LOST_DEADLINE_MS, log: options.log, onLost: options.onLost, onBack: () => void addLostJobs() });
  const queue = new Queue<QueueJobData, QueueJobResult>(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  // An outage is reported by the watch; other errors (a failing script, say) at most every 30 s.
  const logError = throttled(options.log ?? (() => {}));
  const onError = (e: Error) => {
    if (!isConnectionError(e)) logError(e);
  };
  queue.on("error", onError);
  events.on("error", onError);
  /** Drops both connections without waiting for a reply (Redis may be gone). */
  const drop = () => {
    watch.close();
    void events.disconnect().catch(() => undefined);
    void queue.disconnect().catch(() => undefined);
  };
  const ready = await Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), watch.lost]).catch((e: Error) => e);
  if (ready instanceof Error) {
    drop();
    throw ready;
  }

  /** After an outage: the awaited jobs that Redis no longer has, added again as they were. */
  async function addLostJobs(): Promise<void> {
    let added = 0;
    for (const [id, job] of awaited) {
      try {
        if (await queue.getJob(id)) continue;
        await queue.add(job.name, job.data, { ...job.opts, jobId: id });
        added++;
      } catch (e) {
        options.log?.(`cannot check job ${id} after the outage: ${(e as Error).message}`);
      }
    }
    if (added > 0) options.log?.(`the queue's Redis came back without ${added} job(s) of this sweep: added again`);
  }

  /** The reject of every wait in flight: a lost Redis fails them all, and every later task at once. */
  const waiting = new Set<(e: Error) => void>();
  let lostWith: RedisLost | undefined;
  watch.lost.catch((e: RedisLost) => {
    lostWith = e;
    for (const reject of waiting) reject(e);
  });

  const members = new Map<string, Resident>();
  const probes = new Map<BackendChoice, Promise<InitResult>>();
  const submitted = new Set<string>();
  let nextFile = 0;
  let nextProbe = 0;

  const memberDir = (id: string) => join(root, "members", encodeURIComponent(id));
  const uriOf = (file: string) => pathToFileURL(file).href;

  const resident = (id: string): Resident => {
    const m = members.get(id);
    if (!m) throw new Error(`member ${id} is not resident in this pool`);
    return m;
  };

  /** Removes the member's files other than `keep` (older states and results, torn temp files). */
  const prune = async (id: string, keep: readonly string[]): Promise<void> => {
    const dir = memberDir(id);
    const names = await readdir(dir).catch(() => []);
    await Promise.all(names.filter((n) => !keep.includes(join(dir, n))).map((n) => rm(join(dir, n), { force: true })));
  };

  /** Waits for a job, or on abort removes it if no worker has taken it yet (a running one is left to finish, unheard); fails when Redis is lost. */
  const finished = (job: QueueJob, signal?: AbortSignal): Promise<QueueJobResult> =>
    new Promise((resolve, reject) => {
      if (lostWith) return reject(lostWith);
      const cancel = async () => {
        const state = await job.getState().catch(() => "unknown");
        if (WAITING_STATES.has(state)) await job.remove().catch(() => undefined);
      };
      if (signal?.aborted) {
        void cancel();
        return reject(new AbortError(signal.reason));
      }
      const settled = () => (signal?.removeEventListener("abort", onAbort), waiting.delete(reject), awaited.delete(job.id!));
      const onAbort = () => {
        settled();
        void cancel();
        reject(new AbortError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.add(reject);
      awaited.set(job.id!, job);
      job.waitUntilFinished(events).then(
        (r: QueueJobResult) => (settled(), resolve(r)),
        (e: unknown) => (settled(), reject(jobFailure(e))),
      );
    });

  /** Adds a job under its id unless an identical one exists: a completed one (with its files) answers at once, a pending one is awaited, a failed one is replaced. */
  const submit = async (jobId: string, data: SegmentJob, signal?: AbortSignal): Promise<QueueJobResult> => {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const existing = (await queue.getJob(jobId)) as QueueJob | undefined;
    if (existing) {
      const state = await existing.getState();
      if (state === "completed") {
        const r = existing.returnvalue;
        if (r?.to && (await exists(storagePath(r.to))) && (!r.resultTo || (await exists(storagePath(r.resultTo))))) return r;
      }
      if (state === "completed" || state === "failed") await existing.remove();
      else return finished(existing, signal);
    }
    const job = await queue.add("segment", data, {
      jobId,
      attempts: options.attempts ?? 3,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
    });
    submitted.add(jobId);
    return finished(job, signal);
  };

  /** The backend a worker resolves `backend` to, asked once per backend with a tiny job (a fresh member built and dropped). */
  const probe = (backend: BackendChoice, config: EganMemberConfig, signal?: AbortSignal): Promise<InitResult> => {
    let p = probes.get(backend);
    if (!p) {
      p = (async () => {
        const job = await queue.add("probe", { kind: "probe", backend, config }, { jobId: `${sweepId}.probe.${backend}.${nextProbe++}`, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } });
        const quiet = setTimeout(() => options.log?.(`waiting for a worker on queue ${queueName} at ${redactRedisUrl(redisUrl)} (start one with \`evogan worker --queue ${redactRedisUrl(redisUrl)}\`)`), options.quietMs ?? 15_000);
        try {
          const r = await finished(job, signal);
          return { backend: r.backend, matmul: r.matmul };
        } finally {
          clearTimeout(quiet);
        }
      })();
      probes.set(backend, p);
      p.catch(() => probes.delete(backend)); // ask again next time
    }
    return p;
  };

  const advance = async (id: string, iterations: number, evaluate: SegmentJob["evaluate"], generation: number | undefined, attempt: number | undefined, signal?: AbortSignal) => {
    const m = resident(id);
    const hash = sha256(JSON.stringify({ from: m.current?.key ?? "fresh", config: m.config, backend: m.backend, iterations, evaluate: evaluate ?? null })).slice(0, 20);
    const stem = join(memberDir(id), `${generation === undefined ? "x" : `g${String(generation).padStart(4, "0")}`}-${hash}`);
    const data: SegmentJob = {
      kind: "advance",
      sweepId,
      memberId: id,
      backend: m.backend,
      config: m.config,
      from: m.current?.uri ?? null,
      to: uriOf(`${stem}.ckpt`),
      resultTo: uriOf(`${stem}.result`),
      iterations,
      evaluate,
      generation,
      attempt,
    };
    const r = await submit(`${sweepId}.${encodeURIComponent(id)}.${generation === undefined ? "x" : `g${generation}`}.${hash}`, data, signal);
    if (!r.to) throw new Error(`job for member ${id} returned no state file`);
    const result = r.resultTo ? asResultFile(await readCheckpoint(storagePath(r.resultTo)), r.resultTo).result : undefined;
    m.current = { uri: r.to, key: hash };
    await prune(id, [r.to, r.resultTo].filter((u) => u !== undefined).map(storagePath));
    return result;
  };

  /** `work()`, unless Redis is lost or `signal` aborts first: a task never waits on Redis past either. */
  const guarded = <T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> =>
    new Promise((resolve, reject) => {
      if (lostWith) return reject(lostWith);
      if (signal?.aborted) return reject(new AbortError(signal.reason));
      const onAbort = () => reject(new AbortError(signal?.reason));
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.add(reject);
      work()
        .then(resolve, reject)
        .finally(() => (signal?.removeEventListener("abort", onAbort), waiting.delete(reject)));
    });

  const run = async (slot: number, task: WorkerTask, signal?: AbortSignal): Promise<unknown> => {
    if (!Number.isInteger(slot) || slot < 0 || slot >= slots) throw new RangeError(`slot ${slot} out of range: this pool has ${slots} slots`);
    switch (task.kind) {
      case "init": {
        const m: Resident = { config: task.config, backend: task.backend, current: null };
        await mkdir(memberDir(task.memberId), { recursive: true });
        if (task.state) {
          const bytes = encodeCheckpoint({ kind: "evogan-queue-state", memberId: task.memberId, state: task.state } satisfies QueueStateFile);
          const file = join(memberDir(task.memberId), `init-${nextFile++}.ckpt`);
          await writeFileAtomic(file, bytes);
          m.current = { uri: uriOf(file), key: sha256(bytes) };
        }
        // Older files stay until the next advance: a re-submitted identical job may still answer from them.
        members.set(task.memberId, m);
        return probe(task.backend, task.config, signal);
      }
      case "advance": {
        const result = await advance(task.memberId, task.iterations, task.evaluate, task.generation, task.attempt, signal);
        return result satisfies AdvanceResult | undefined;
      }
      case "export": {
        const m = resident(task.memberId);
        // A member never advanced has no file yet: have a worker build it (no training).
        if (!m.current) await advance(task.memberId, 0, undefined, undefined, undefined, signal);
        const uri = m.current!.uri;
        return asStateFile(await readCheckpoint(storagePath(uri)), uri).state satisfies MemberState;
      }
      case "release":
        resident(task.memberId);
        members.delete(task.memberId);
        await rm(memberDir(task.memberId), { recursive: true, force: true });
        return null;
    }
  };

  const where = redactRedisUrl(redisUrl);
  return {
    slots,
    describe: Array.from({ length: slots }, (_, i) => `queue ${where} slot ${i}`),
    run: <T>(slot: number, task: WorkerTask, signal?: AbortSignal) => guarded(() => run(slot, task, signal), signal) as Promise<T>,
    destroy: async () => {
      // Finished jobs of this pool point at files removed below; running ones finish unheard.
      // With Redis away nothing is removed (they expire with KEEP_FINISHED) and nothing waits for a reply.
      const closed =
        watch.up() &&
        (await within(CLOSE_TIMEOUT_MS, Promise.allSettled([...submitted].map((id) => queue.remove(id))))) &&
        (await within(CLOSE_TIMEOUT_MS, Promise.allSettled([events.close(), queue.close()])));
      if (closed) watch.close();
      else drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
