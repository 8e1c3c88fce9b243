// `evogan worker`: takes segment jobs from the Redis queue (BullMQ) and runs each in this
// machine's device-pinned pool (memberPoolFor: worker threads on CPU, one host process per GPU),
// one job per free slot. A job is self-contained: build the member from its `from` state file
// (or fresh from its config), train, export, write the `to` state file (atomically) and the
// result file, drop the member. Nothing stays resident, so any worker can take any job, and a
// job whose worker dies is run again elsewhere: BullMQ's stalled-job check moves a job whose lock
// was not renewed within `lockDurationMs` back to the queue.
//
// close() does not wait for running jobs (a segment can take minutes): it stops taking jobs,
// hands each running job back to the queue (moved to waiting, first in line, for any worker),
// and closes the connections, each step bounded by CLOSE_TIMEOUT_MS. A job that cannot be
// handed back (Redis away) is taken back by the stalled-job check once its lock expires.
// While Redis is away the worker waits for it, however long; it never gives up on its own.
import { availableParallelism, hostname } from "node:os";
import { WaitingError, Worker, type Job } from "bullmq";
import { readCheckpoint, writeCheckpoint } from "../orchestrator/checkpoint-file.ts";
import { memberPoolFor } from "../orchestrator/device-pool.ts";
import { discoverGpus, resolveDevices } from "../orchestrator/devices.ts";
import type { MemberPool } from "../orchestrator/member-pool.ts";
import type { AdvanceResult, InitResult, MemberState } from "../worker/protocol.ts";
import {
  asStateFile,
  jobError,
  QUEUE_NAME,
  storagePath,
  type ProbeJob,
  type QueueJobData,
  type QueueJobResult,
  type QueueResultFile,
  type QueueStateFile,
  type SegmentJob,
} from "./queue-protocol.ts";
import { reachable, throttled } from "./reachable.ts";
import { CLOSE_TIMEOUT_MS, reconnectEvery, within } from "./redis-watch.ts";

export interface QueueWorkerOptions {
  readonly redisUrl: string;
  /** "auto" (every GPU, else CPU threads), "cpu", or GPU indices such as "0,1"; default "auto". */
  readonly devices?: string;
  /** Jobs at once: CPU threads, or GPUs × threads per GPU; default the cores (CPU) or one per GPU. */
  readonly concurrency?: number;
  readonly queueName?: string;
  /** How long a job's lock lasts without renewal before the job counts as stalled; default 30 s. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs; default lockDurationMs. */
  readonly stalledIntervalMs?: number;
  readonly log?: (line: string) => void;
  /** The pool jobs run in, instead of the one `devices` asks for (benches, tests). */
  readonly pool?: MemberPool;
}

export interface QueueWorker {
  /** The slots jobs run on, e.g. "cpu thread 0". */
  readonly describe: readonly string[];
  /** Stops taking jobs, hands the running ones back to the queue, closes the connections and the pool; returns the ids handed back. */
  close(): Promise<{ readonly handedBack: readonly string[] }>;
}

type QueueJob = Job<QueueJobData, QueueJobResult>;

export async function runQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const log = options.log ?? (() => {});
  await reachable(options.redisUrl);
  const pool = options.pool ?? (await localPool(options.devices ?? "auto", options.concurrency));
  const free = Array.from({ length: pool.slots }, (_, i) => i);
  const self = `${hostname()} pid ${process.pid}`;

  const probe = async (slot: number, data: ProbeJob): Promise<QueueJobResult> => {
    const memberId = "probe";
    const init = await pool.run<InitResult>(slot, { kind: "init", memberId, backend: data.backend, config: data.config });
    await pool.run(slot, { kind: "release", memberId });
    return { backend: init.backend, matmul: init.matmul, worker: `${self}, ${pool.describe[slot]}` };
  };

  const segment = async (slot: number, data: SegmentJob, retry: number): Promise<QueueJobResult> => {
    const { memberId } = data;
    const from = data.from === null ? undefined : asStateFile(await readCheckpoint(storagePath(data.from)), data.from).state;
    const init = await pool.run<InitResult>(slot, { kind: "init", memberId, backend: data.backend, config: data.config, state: from });
    try {
      const trains = data.iterations > 0 || data.evaluate !== undefined;
      // A retry of this job counts as a later attempt (EVOGAN_FAULT_INJECT's crashes hit the first only).
      const result = trains
        ? await pool.run<AdvanceResult>(slot, { kind: "advance", memberId, iterations: data.iterations, evaluate: data.evaluate, generation: data.generation, attempt: (data.attempt ?? 0) + retry })
        : undefined;
      const state = await pool.run<MemberState>(slot, { kind: "export", memberId });
      await writeCheckpoint(storagePath(data.to), { kind: "evogan-queue-state", memberId, state } satisfies QueueStateFile);
      if (result) await writeCheckpoint(storagePath(data.resultTo), { kind: "evogan-queue-result", memberId, result } satisfies QueueResultFile);
      return { backend: init.backend, matmul: init.matmul, worker: `${self}, ${pool.describe[slot]}`, to: data.to, resultTo: result ? data.resultTo : undefined };
    } finally {
      // A crashed worker thread took the member with it; nothing to release then.
      await pool.run(slot, { kind: "release", memberId }).catch(() => undefined);
    }
  };

  /** The running jobs, each with a way to stop waiting for it (close() hands them back). */
  const running = new Map<string, { readonly job: QueueJob; readonly token: string | undefined; readonly abandon: () => void }>();
  let stopping = false;
  const handedBack: string[] = [];

  /** Moves a running job back to waiting (a WaitingError then tells BullMQ the job has moved on). */
  const handBack = async (job: QueueJob, token: string | undefined): Promise<void> => {
    let failure = "Redis did not answer";
    const moved = job.moveToWait(token).then(
      () => true,
      (e: Error) => ((failure = e.message), false),
    );
    if ((await within(CLOSE_TIMEOUT_MS, moved)) && (await moved)) {
      handedBack.push(job.id!);
      log(`job ${job.id} handed back to the queue`);
    } else log(`job ${job.id} not handed back (${failure}): the stalled-job check takes it back once its lock expires`);
  };

  const processor = async (job: QueueJob, token?: string): Promise<QueueJobResult> => {
    // Taken as the worker stopped: back at once.
    if (stopping) {
      await handBack(job, token);
      throw new WaitingError();
    }
    const slot = free.shift();
    if (slot === undefined) throw new Error("no free slot (the worker's concurrency exceeds its pool)");
    const data = job.data;
    const what = data.kind === "probe" ? `probe ${data.backend}` : `${data.memberId} generation ${data.generation ?? "-"}`;
    const t0 = performance.now();
    log(`job ${job.id} start: ${what}, try ${job.attemptsStarted}, on ${pool.describe[slot]}`);
    let abandon = () => {};
    const abandoned = new Promise<never>((_, reject) => (abandon = () => reject(new WaitingError())));
    abandoned.catch(() => {});
    running.set(job.id!, { job, token, abandon });
    try {
      const work = data.kind === "probe" ? probe(slot, data) : segment(slot, data, Math.max(0, job.attemptsStarted - 1));
      const r = await Promise.race([work, abandoned]);
      log(`job ${job.id} done in ${Math.round(performance.now() - t0)} ms`);
      return r;
    } catch (e) {
      if (!(e instanceof WaitingError)) log(`job ${job.id} failed: ${(e as Error).message}`);
      throw jobError(e);
    } finally {
      running.delete(job.id!);
      free.push(slot);
    }
  };

  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker<QueueJobData, QueueJobResult>(options.queueName ?? QUEUE_NAME, processor, {
    // Redis back within a second of its return, however long it was away.
    connection: { url: options.redisUrl, retryStrategy: reconnectEvery },
    concurrency: pool.slots,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? lockDuration,
    // A job whose worker died twice in a row is still tried a third time.
    maxStalledCount: 2,
  });
  worker.on("error", throttled(log));
  worker.on("stalled", (jobId) => log(`job ${jobId} stalled (its worker stopped renewing the lock): back in the queue`));
  await worker.waitUntilReady();

  return {
    describe: pool.describe,
    close: async () => {
      stopping = true;
      // Stops fetching at once; resolves when the processors below have returned and the connections are
      // closed. Its bound counts from now and covers the hand-backs (each up to CLOSE_TIMEOUT_MS) too.
      const closed = within((running.size > 0 ? 2 : 1) * CLOSE_TIMEOUT_MS, worker.close());
      await Promise.all(
        [...running.values()].map(async ({ job, token, abandon }) => {
          await handBack(job, token);
          abandon();
        }),
      );
      // A graceful close waits on Redis; with Redis away it never ends: drop the connections instead.
      if (!(await closed)) void worker.disconnect().catch(() => undefined);
      // The jobs handed back still run in the pool's threads until it is destroyed.
      if (!options.pool) await within(CLOSE_TIMEOUT_MS, pool.destroy());
      return { handedBack };
    },
  };
}

/** The pool `--devices` asks for: `concurrency` CPU threads, or every named GPU with enough threads each. */
async function localPool(devices: string, concurrency: number | undefined): Promise<MemberPool> {
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const plan = resolveDevices(devices, await discoverGpus(), concurrency ?? availableParallelism());
  const threadsPerDevice = plan.kind === "gpu" && concurrency !== undefined ? Math.ceil(concurrency / plan.devices.length) : 1;
  return memberPoolFor(plan, { threadsPerDevice });
}
