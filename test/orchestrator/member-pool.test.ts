// The CPU MemberPool's answer to a worker thread that dies: real worker threads, a crash injected
// with EVOGAN_FAULT_INJECT (the thread exits mid-task). The task that was running is told its
// worker crashed; every other member the thread held is told it was lost, and works again once
// it is put back, so that the orchestrator can charge the crash to one member only. An error of
// evogan's raised inside a thread (a backend that is not installed) arrives as its tagged class.
import { Cause, Effect, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeExit, EXIT } from "../../src/cli/exit-codes.ts";
import { BackendMissing, MemberLost, WorkerCrashed } from "../../src/errors.ts";
import { localMemberPool, type MemberPool } from "../../src/orchestrator/member-pool.ts";
import { Workers, workersLayer } from "../../src/orchestrator/workers.ts";
import type { AdvanceResult, InitResult, WorkerTask } from "../../src/worker/protocol.ts";
import { initTiny, tinyMember } from "../helpers/tiny-member.ts";

const init = initTiny;
/** Generation 0, first attempt: where the injected crash of member "crasher" fires. */
const advance = (memberId: string, iterations: number): WorkerTask => ({ kind: "advance", memberId, iterations, generation: 0, attempt: 0 });

describe("localMemberPool", () => {
  let saved: string | undefined;
  let pool: MemberPool;

  beforeAll(() => {
    // Worker threads copy the environment when they start, replacements included.
    saved = process.env.EVOGAN_FAULT_INJECT;
    process.env.EVOGAN_FAULT_INJECT = "crash:crasher:0";
    pool = localMemberPool(2);
  });

  afterAll(async () => {
    await pool.destroy();
    if (saved === undefined) delete process.env.EVOGAN_FAULT_INJECT;
    else process.env.EVOGAN_FAULT_INJECT = saved;
  });

  it("fails the task a dying thread ran with WorkerCrashed and every member it held with MemberLost until put back; other threads keep theirs", async () => {
    for (const [slot, id] of [[0, "crasher"], [0, "neighbour"], [0, "idle"], [1, "elsewhere"]] as const) await pool.run<InitResult>(slot, init(id));

    // The neighbour's task waits behind the crashing one on the same thread.
    const crashing = pool.run(0, advance("crasher", 2));
    const queued = pool.run(0, advance("neighbour", 2));
    const crash = await crashing.catch((e: unknown) => e);
    expect(crash).toBeInstanceOf(WorkerCrashed);
    expect(crash).toMatchObject({ slots: [0], message: expect.stringMatching(/worker exited with code: 70/) });
    await expect(queued).rejects.toBeInstanceOf(MemberLost);
    // A member that had no task in flight is lost too, and says so for any later task.
    await expect(pool.run(0, { kind: "export", memberId: "idle" })).rejects.toThrow(MemberLost);
    await expect(pool.run(0, advance("idle", 1))).rejects.toThrow(/member idle was lost: the worker that held it died/);
    // Nothing to release for a lost member.
    expect(await pool.run(0, { kind: "release", memberId: "crasher" })).toBeNull();

    // Put back, it trains again (fresh here: the records restart at 1).
    await pool.run<InitResult>(0, init("neighbour"));
    expect((await pool.run<AdvanceResult>(0, advance("neighbour", 2))).records.map((r) => r.it)).toEqual([1, 2]);
    // The other thread never noticed.
    expect((await pool.run<AdvanceResult>(1, advance("elsewhere", 1))).records.map((r) => r.it)).toEqual([1]);
  }, 60_000);

  it("an ordinary task failure stays an ordinary error", async () => {
    const e = await pool.run(1, advance("stranger", 1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(MemberLost);
    expect(e).not.toBeInstanceOf(WorkerCrashed);
    expect((e as Error).message).toMatch(/member stranger is not resident in this worker/);
  });
});

describe("a failure inside a worker thread", () => {
  it("a backend that is not installed arrives as BackendMissing, by tag and with its fields, and the program exits 3", async () => {
    // A fresh thread: a thread keeps the backend of its first init.
    const program = Effect.gen(function* () {
      const workers = yield* Workers;
      return yield* workers.run(0, { kind: "init", memberId: "gpu", backend: "tensorflow-gpu", config: tinyMember });
    }).pipe(Effect.provide(workersLayer(async () => localMemberPool(1))));
    const exit = await Effect.runPromiseExit(program);
    const found = Exit.isFailure(exit) ? Cause.findError(exit.cause) : undefined;
    const e = found?._tag === "Success" ? found.success : undefined;
    expect(e).toBeInstanceOf(BackendMissing);
    expect(e).toMatchObject({ _tag: "BackendMissing", backend: "tensorflow-gpu", pkg: "@tensorflow/tfjs-node-gpu" });
    expect(describeExit(exit)).toEqual({
      code: EXIT.backend,
      tag: "BackendMissing",
      message: expect.stringMatching(/^backend 'tensorflow-gpu' is not available: install it with `npm install @tensorflow\/tfjs-node-gpu` \(.+\)$/),
    });
  }, 60_000);
});
