// `evogan worker --queue redis://host:port`: trains segments from the queue until SIGINT/SIGTERM,
// then stops within seconds: no new jobs, the running ones handed back to the queue for another
// worker (queue-worker.ts), connections closed with bounded waits, exit 0. A second signal exits
// at once (130), and so does a signal before the worker is ready (nothing taken yet, exit 0).
import { runQueueWorker, type QueueWorker } from "../queue/queue-worker.ts";
import { redactRedisUrl } from "../queue/queue-protocol.ts";
import { EXIT } from "./exit-codes.ts";

export interface WorkerCommandOptions {
  readonly queue: string;
  readonly devices: string;
  readonly concurrency?: number;
  readonly lockDuration?: number;
}

/**
 * How long stopping may take before the process exits regardless. Every step of close() is
 * bounded (a few seconds in all); this only guards against a step that is not, e.g. a GPU host
 * that does not answer.
 */
const STOP_DEADLINE_MS = 10_000;

/** Runs the worker until a signal stops it; the process exits from here. */
export async function workerCommand(opts: WorkerCommandOptions): Promise<void> {
  const line = (s: string) => process.stdout.write(`${new Date().toISOString()} ${s}\n`);
  let worker: QueueWorker | undefined;
  let stopping = false;
  let stopped: () => void = () => {};
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = async (signal: NodeJS.Signals, running: QueueWorker) => {
    line(`${signal}: stopping, running jobs go back to the queue (again to exit now)`);
    setTimeout(() => (line(`still stopping after ${STOP_DEADLINE_MS / 1000} s: exiting`), process.exit(EXIT.ok)), STOP_DEADLINE_MS).unref();
    const { handedBack } = await running.close();
    line(`stopped${handedBack.length ? `, ${handedBack.length} job(s) handed back` : ""}`);
    stopped();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      line(`${signal} again: exiting now`);
      return process.exit(EXIT.interrupted);
    }
    stopping = true;
    if (!worker) {
      line(`${signal} before the worker was ready: nothing taken, exiting`);
      return process.exit(EXIT.ok);
    }
    void stop(signal, worker);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // An unreachable Redis or a bad --devices: one line, not a stack.
  worker = await runQueueWorker({ redisUrl: opts.queue, devices: opts.devices, concurrency: opts.concurrency, lockDurationMs: opts.lockDuration, log: line }).catch((e: Error) => {
    process.stderr.write(`evogan: ${e.message}\n`);
    return process.exit(EXIT.worker);
  });
  line(`evogan worker pid ${process.pid}: queue ${redactRedisUrl(opts.queue)}, ${worker.describe.length} slot(s): ${worker.describe.join("; ")}`);
  await done;
  process.exit(EXIT.ok);
}
