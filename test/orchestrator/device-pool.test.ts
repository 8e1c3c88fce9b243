// The GPU MemberPool, exercised without a GPU: a stub `nvidia-smi` reports GPUs 0 and 1, and
// the device hosts are real child processes pinned by CUDA_VISIBLE_DEVICES, each running real
// E-GAN members on the wasm backend. What cannot be checked here is CUDA itself honouring the
// variable (that is the driver's contract); routing, isolation, IPC and crash recovery are real.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AdvanceResult, InitResult, WorkerTask } from "../../src/worker/protocol.ts";
import { initTiny, tinyMember } from "../helpers/tiny-member.ts";
import { devicePool, memberPoolFor, type DevicePool } from "../../src/orchestrator/device-pool.ts";
import { BackendMissing, MemberLost, WorkerCrashed } from "../../src/errors.ts";
import { discoverGpus, NVIDIA_SMI_ARGS, resolveDevices } from "../../src/orchestrator/devices.ts";

const init = initTiny;
const advance = (memberId: string, iterations: number, samples?: number): WorkerTask => ({
  kind: "advance",
  memberId,
  iterations,
  evaluate: samples === undefined ? undefined : { samples },
});

const TWO_GPUS_CSV = "0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA H100 80GB HBM3, 81559\n";

describe("devicePool", () => {
  let savedPath: string | undefined;
  let stubDir: string | undefined;
  let pool: DevicePool | undefined;

  beforeEach(async () => {
    // A stub nvidia-smi first on PATH: this machine has no GPU.
    stubDir = await mkdtemp(join(tmpdir(), "evogan-nvsmi-"));
    const file = join(stubDir, "nvidia-smi");
    await writeFile(file, `#!/bin/sh\n[ "$1" = "${NVIDIA_SMI_ARGS[0]}" ] || exit 9\ncat <<'EOF'\n${TWO_GPUS_CSV}EOF\n`);
    await chmod(file, 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${stubDir}${delimiter}${savedPath ?? ""}`;
  });

  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
    process.env.PATH = savedPath;
    if (stubDir) await rm(stubDir, { recursive: true, force: true });
  });

  /** --devices "0,1" against the stub's GPUs, then the pool for that plan. */
  async function twoGpuPool(): Promise<DevicePool> {
    const plan = resolveDevices("0,1", await discoverGpus(), 2);
    expect(plan).toEqual({ kind: "gpu", devices: [0, 1] });
    if (plan.kind !== "gpu") throw new Error("unreachable");
    pool = await devicePool(plan.devices);
    return pool;
  }

  it("pins one host process per GPU and routes each slot's tasks to it (fake GPUs: wasm backend in processes pinned by CUDA_VISIBLE_DEVICES)", async () => {
    const p = await twoGpuPool();
    expect(p.slots).toBe(2);
    expect(p.describe).toEqual(["GPU 0 (CUDA_VISIBLE_DEVICES=0), thread 0", "GPU 1 (CUDA_VISIBLE_DEVICES=1), thread 0"]);

    const [w0, w1] = await Promise.all([p.whoami(0), p.whoami(1)]);
    expect(w0.cudaVisibleDevices).toBe("0");
    expect(w1.cudaVisibleDevices).toBe("1");
    expect(new Set([w0.pid, w1.pid, process.pid]).size).toBe(3);

    const inits = await Promise.all([p.run<InitResult>(0, init("a")), p.run<InitResult>(1, init("b"))]);
    for (const r of inits) expect(r.backend).toBe("wasm");

    const [ra, rb] = await Promise.all([p.run<AdvanceResult>(0, advance("a", 3, 32)), p.run<AdvanceResult>(1, advance("b", 3))]);
    for (const r of [ra, rb]) {
      expect(r.records.map((x) => x.it)).toEqual([1, 2, 3]);
      expect(r.records.every((x) => x.type === "iteration")).toBe(true);
    }
    // Typed arrays cross IPC as themselves (serialization: "advanced"): the picture the worker rendered, a PNG.
    expect(ra.evaluation?.png).toBeInstanceOf(Uint8Array);
    expect([...(ra.evaluation?.png.subarray(0, 8) ?? [])]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);

    // "a" lives on GPU 0's host only: asking GPU 1's host for it proves the routing.
    await expect(p.run(1, advance("a", 1))).rejects.toThrow(/member a is not resident/);
    // The failed task left both hosts as they were.
    expect((await p.whoami(1)).pid).toBe(w1.pid);
    expect((await p.run<AdvanceResult>(0, advance("a", 1))).records.map((x) => x.it)).toEqual([4]);
  }, 30_000);

  it("fails the in-flight task of a killed host with the GPU's name and restarts it for the next task (fake GPUs: wasm backend in processes pinned by CUDA_VISIBLE_DEVICES)", async () => {
    const p = await twoGpuPool();
    const before = await p.whoami(1);
    await p.run<InitResult>(1, init("c"));
    await p.run<InitResult>(0, init("a"));
    const inFlight = p.run(1, init("b"));
    process.kill(before.pid, "SIGKILL");
    await expect(inFlight).rejects.toThrow(/GPU 1 \(CUDA_VISIBLE_DEVICES=1\): host process \d+ was killed \(SIGKILL\)/);
    await expect(inFlight).rejects.toMatchObject({ name: "WorkerCrashed", slots: [1] });
    // "c" died with GPU 1's host; "a" on GPU 0 did not.
    await expect(p.run(1, advance("c", 1))).rejects.toBeInstanceOf(MemberLost);
    expect((await p.run<AdvanceResult>(0, advance("a", 1))).records.map((x) => x.it)).toEqual([1]);

    // The next task on that slot gets a fresh host, pinned like the first.
    await p.run<InitResult>(1, init("b"));
    const after = await p.whoami(1);
    expect(after.pid).not.toBe(before.pid);
    expect(after.cudaVisibleDevices).toBe("1");
    expect((await p.run<AdvanceResult>(1, advance("b", 2))).records.map((x) => x.it)).toEqual([1, 2]);
  }, 30_000);

  it("a worker thread that crashes inside a host fails its task with WorkerCrashed and its thread's other members with MemberLost; the host lives on (fake GPUs: wasm backend in processes pinned by CUDA_VISIBLE_DEVICES)", async () => {
    pool = await devicePool([0], 2, { env: { EVOGAN_FAULT_INJECT: "crash:crasher:0" } });
    const { pid } = await pool.whoami(0);
    for (const [slot, id] of [[0, "crasher"], [0, "neighbour"], [1, "elsewhere"]] as const) await pool.run<InitResult>(slot, init(id));
    const crashing = pool.run(0, { kind: "advance", memberId: "crasher", iterations: 2, generation: 0, attempt: 0 });
    const queued = pool.run(0, advance("neighbour", 2));
    const crash = await crashing.catch((e: unknown) => e);
    expect(crash).toBeInstanceOf(WorkerCrashed);
    expect(crash).toMatchObject({ slots: [0], message: expect.stringMatching(/worker exited with code: 70/) });
    await expect(queued).rejects.toBeInstanceOf(MemberLost);
    expect((await pool.whoami(0)).pid).toBe(pid);
    await pool.run<InitResult>(0, init("neighbour"));
    expect((await pool.run<AdvanceResult>(0, advance("neighbour", 2))).records.map((x) => x.it)).toEqual([1, 2]);
    expect((await pool.run<AdvanceResult>(1, advance("elsewhere", 1))).records.map((x) => x.it)).toEqual([1]);
  }, 30_000);

  it("an error of evogan's inside a host's thread crosses IPC by tag: a missing backend arrives as BackendMissing (fake GPU: wasm backend in a process pinned by CUDA_VISIBLE_DEVICES)", async () => {
    pool = await devicePool([0]);
    const e = await pool.run(0, { kind: "init", memberId: "gpu", backend: "tensorflow-gpu", config: tinyMember }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendMissing);
    expect(e).toMatchObject({ backend: "tensorflow-gpu", pkg: "@tensorflow/tfjs-node-gpu", message: expect.stringMatching(/npm install @tensorflow\/tfjs-node-gpu/) });
  }, 30_000);

  it("aborts a task with an AbortError and keeps the host (fake GPUs: wasm backend in processes pinned by CUDA_VISIBLE_DEVICES)", async () => {
    const p = await twoGpuPool();
    const { pid } = await p.whoami(0);
    await p.run(0, init("a"));
    const abort = new AbortController();
    const long = p.run(0, advance("a", 1_000_000), abort.signal);
    setTimeout(() => abort.abort(), 200);
    await expect(long).rejects.toMatchObject({ name: "AbortError" });
    expect((await p.whoami(0)).pid).toBe(pid);
    // The host's pool replaced the aborted worker thread: the slot works again (members there are re-initialised).
    await p.run(0, init("a"));
    expect((await p.run<AdvanceResult>(0, advance("a", 1))).records.map((x) => x.it)).toEqual([1]);
  }, 30_000);

  it("maps slots to GPU and thread with several threads per GPU, and destroy() ends every host (fake GPUs: wasm backend in processes pinned by CUDA_VISIBLE_DEVICES)", async () => {
    pool = await devicePool([1, 0], 2);
    expect(pool.describe).toEqual([
      "GPU 1 (CUDA_VISIBLE_DEVICES=1), thread 0",
      "GPU 1 (CUDA_VISIBLE_DEVICES=1), thread 1",
      "GPU 0 (CUDA_VISIBLE_DEVICES=0), thread 0",
      "GPU 0 (CUDA_VISIBLE_DEVICES=0), thread 1",
    ]);
    const who = await Promise.all([0, 1, 2, 3].map((s) => pool!.whoami(s)));
    expect(who.map((w) => w.cudaVisibleDevices)).toEqual(["1", "1", "0", "0"]);
    expect(who[0].pid).toBe(who[1].pid);
    expect(who[2].pid).toBe(who[3].pid);
    await expect(pool.run(4, init("x"))).rejects.toThrow(RangeError);
    await pool.destroy();
    pool = undefined;
    for (const w of [who[0], who[2]]) expect(() => process.kill(w.pid, 0)).toThrow(/ESRCH/);
  }, 30_000);

  it("memberPoolFor gives worker threads here for a cpu plan", async () => {
    const cpu = await memberPoolFor({ kind: "cpu", threads: 1 });
    try {
      expect(cpu.describe).toEqual(["cpu thread 0"]);
    } finally {
      await cpu.destroy();
    }
  });
});
