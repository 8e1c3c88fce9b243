// A failed job's error on its way through Redis, which keeps only its message: evogan's errors go
// as the JSON of their wire form and come back as their class; anything else as its message.
import { describe, expect, it } from "vitest";
import { BackendMissing, CheckpointCorrupt, MemberLost, WorkerCrashed } from "../../src/errors.ts";
import { jobError, jobFailure } from "../../src/queue/queue-protocol.ts";

/** What BullMQ hands the orchestrator for a job whose processor threw `e`: an Error with its message. */
const throughRedis = (e: unknown): Error => new Error((jobError(e) as Error).message);

describe("failed queue jobs", () => {
  it("bring evogan's errors back as their class, with their fields", () => {
    const missing = jobFailure(throughRedis(new BackendMissing("tensorflow", "@tensorflow/tfjs-node", new Error("nope"))));
    expect(missing).toBeInstanceOf(BackendMissing);
    expect(missing).toMatchObject({ backend: "tensorflow", pkg: "@tensorflow/tfjs-node", message: "backend 'tensorflow' is not available: install it with `npm install @tensorflow/tfjs-node` (nope)" });
    const corrupt = jobFailure(throughRedis(new CheckpointCorrupt({ file: "/s/a.ckpt", message: "corrupt checkpoint /s/a.ckpt: checksum mismatch" })));
    expect(corrupt).toBeInstanceOf(CheckpointCorrupt);
    expect(corrupt).toMatchObject({ file: "/s/a.ckpt" });
  });

  it("a worker machine's own thread losses (WorkerCrashed, MemberLost) arrive as plain failures of the job", () => {
    for (const e of [new WorkerCrashed("worker exited with code: 70", [0]), new MemberLost("member a was lost")]) {
      const back = jobFailure(throughRedis(e));
      expect(back).not.toBeInstanceOf(WorkerCrashed);
      expect(back).not.toBeInstanceOf(MemberLost);
      expect(back.message).toBe(e.message);
    }
  });

  it("leave any other failure as it was", () => {
    const plain = new Error("injected failure of d");
    expect(jobError(plain)).toBe(plain);
    expect(jobFailure(plain)).toBe(plain);
    expect(jobFailure(new Error('{"not":"a wire form"}')).message).toBe('{"not":"a wire form"}');
    expect(jobFailure("job stalled more than allowable limit")).toEqual(new Error("job stalled more than allowable limit"));
  });
});
