// Queue overhead: what one segment task costs through the Redis queue (queueMemberPool + an
// `evogan worker` process) against the local pool (a worker thread holding the member), for a
// member small enough that the task is nearly all overhead. A task here is what a sweep does per
// member and generation: advance (1 iteration, then evaluate) and export. Through the queue that
// is a job (the worker reads the state file, builds the member, trains, writes state and result)
// and two file reads on this side.
//   node --import tsx bench/queue-overhead.ts [--tasks 40] [--hidden 32,32] [--samples 500] [--redis redis://...]
// Without --redis it starts its own redis-server on a free loopback port.
// Appends to bench/results/queue-overhead.jsonl.
import { spawn } from "node:child_process";
import { appendFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadRunConfig } from "../src/config/load-config.ts";
import { encodeCheckpoint } from "../src/orchestrator/checkpoint-file.ts";
import { memberConfig } from "../src/orchestrator/member-config.ts";
import { localMemberPool, type MemberPool } from "../src/orchestrator/member-pool.ts";
import { queueMemberPool } from "../src/queue/queue-member-pool.ts";
import type { AdvanceResult, InitResult, MemberState } from "../src/worker/protocol.ts";
import { startRedisServer } from "../test/helpers/redis-server.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "40" },
    hidden: { type: "string", default: "32,32" },
    samples: { type: "string", default: "500" },
    redis: { type: "string" },
  },
});
const tasks = Number(values.tasks);
const hidden = JSON.stringify(values.hidden.split(",").map(Number));
const samples = Number(values.samples);
const config = memberConfig(
  await loadRunConfig(undefined, ["task.dataset=ring8", `model.gHidden=${hidden}`, `model.dHidden=${hidden}`, "trainer.batchSize=32", "trainer.evalBatchSize=64", "backend=wasm"]),
);
const WARMUP = 3;

interface Measured {
  msPerTask: number;
  computeMsPerTask: number;
  stateBytes: number;
  backend: string;
}

async function measure(pool: MemberPool): Promise<Measured> {
  const init = await pool.run<InitResult>(0, { kind: "init", memberId: "bench", backend: "wasm", config });
  let computeMs = 0;
  let state: MemberState | undefined;
  const task = async (g: number) => {
    const r = await pool.run<AdvanceResult>(0, { kind: "advance", memberId: "bench", iterations: 1, evaluate: { samples }, generation: g });
    state = await pool.run<MemberState>(0, { kind: "export", memberId: "bench" });
    return r.trainMs;
  };
  for (let g = 0; g < WARMUP; g++) await task(g);
  const t0 = performance.now();
  for (let g = WARMUP; g < WARMUP + tasks; g++) computeMs += await task(g);
  const ms = performance.now() - t0;
  await pool.run(0, { kind: "release", memberId: "bench" });
  return { msPerTask: ms / tasks, computeMsPerTask: computeMs / tasks, stateBytes: encodeCheckpoint(state).length, backend: `${init.backend} (matmul: ${init.matmul})` };
}

/** Starts `evogan worker` (1 slot) and resolves once it listens. */
function startWorker(url: string) {
  const bin = new URL("../src/cli/bin.js", import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, "worker", "--queue", url, "--devices", "cpu", "--concurrency", "1"], { env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "inherit"] });
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`evogan worker exited with ${code}:\n${out}`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      if (/evogan worker pid \d+: queue/.test(out)) resolve();
    });
  });
  return { child, ready };
}

const local = localMemberPool(1);
const localResult = await measure(local).finally(() => local.destroy());

const redis = values.redis ? undefined : await startRedisServer();
const url = values.redis ?? redis!.url;
const worker = startWorker(url);
const storage = await mkdtemp(join(tmpdir(), "evogan-queue-bench-"));
let queueResult: Measured;
try {
  await worker.ready;
  const pool = await queueMemberPool({ redisUrl: url, storage: pathToFileURL(storage).href, sweepId: `bench-${process.pid}`, slots: 1 });
  queueResult = await measure(pool).finally(() => pool.destroy());
} finally {
  worker.child.kill("SIGTERM");
  await redis?.stop();
  await rm(storage, { recursive: true, force: true });
}

const overhead = queueResult.msPerTask - localResult.msPerTask;
console.log(`member: G/D hidden ${hidden}, ring8, batch 32, eval ${samples} samples; state ${(localResult.stateBytes / 1024).toFixed(1)} KiB; backend ${localResult.backend}`);
console.log(`local pool : ${localResult.msPerTask.toFixed(1)} ms/task (compute ${localResult.computeMsPerTask.toFixed(1)} ms)`);
console.log(`queue pool : ${queueResult.msPerTask.toFixed(1)} ms/task (compute ${queueResult.computeMsPerTask.toFixed(1)} ms)`);
console.log(`queue overhead: ${overhead.toFixed(1)} ms/task (${(queueResult.msPerTask / localResult.msPerTask).toFixed(2)}x the local task), ${tasks} tasks after ${WARMUP} warm-up; load average ${loadavg()[0].toFixed(2)}`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await appendFile(
  new URL("./results/queue-overhead.jsonl", import.meta.url),
  JSON.stringify({
    date: new Date().toISOString(),
    tasks,
    hidden: JSON.parse(hidden),
    samples,
    stateBytes: localResult.stateBytes,
    backend: localResult.backend,
    localMsPerTask: Number(localResult.msPerTask.toFixed(2)),
    queueMsPerTask: Number(queueResult.msPerTask.toFixed(2)),
    overheadMsPerTask: Number(overhead.toFixed(2)),
    localComputeMsPerTask: Number(localResult.computeMsPerTask.toFixed(2)),
    queueComputeMsPerTask: Number(queueResult.computeMsPerTask.toFixed(2)),
    loadAverage: Number(loadavg()[0].toFixed(2)),
  }) + "\n",
);
