// `evogan worker --queue redis://host:port`: trains segments from the queue until SIGINT/SIGTERM,
// then stops taking jobs and lets the running ones finish (a second signal exits at once).
import { runQueueWorker } from "../queue/queue-worker.ts";
import { redactRedisUrl } from "../queue/queue-protocol.ts";
import { EXIT } from "./exit-codes.ts";

export interface WorkerCommandOptions {
  readonly queue: string;
  readonly devices: string;
  readonly concurrency?: number;
  readonly lockDuration?: number;
}

/** commander's parser for `--concurrency` and `--lock-duration`. */
export async function workerCommand(opts: WorkerCommandOptions): Promise<void> {
  const stop = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  const line = (s: string) => process.stdout.write(`${new Date().toISOString()} ${s}\n`);
  // An unreachable Redis or a bad --devices: one line, not a stack.
  const worker = await runQueueWorker({ redisUrl: opts.queue, devices: opts.devices, concurrency: opts.concurrency, lockDurationMs: opts.lockDuration, log: line }).catch((e: Error) => {
    process.stderr.write(`evogan: ${e.message}\n`);
    return process.exit(EXIT.worker);
  });
  line(`evogan worker pid ${process.pid}: queue ${redactRedisUrl(opts.queue)}, ${worker.describe.length} slot(s): ${worker.describe.join("; ")}`);
  const signal = await stop;
  line(`${signal}: finishing the running jobs (again to exit now)`);
  const force = () => process.exit(EXIT.interrupted);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await worker.close();
  line("stopped");
  process.exit(EXIT.ok);
}
