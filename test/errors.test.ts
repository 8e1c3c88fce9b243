// The vocabulary's wire form: every tag survives a structured clone (worker threads, the device
// hosts' IPC) and JSON (the Redis queue) and comes back as its own class with its fields.
import { describe, expect, it } from "vitest";
import {
  AbortError,
  BackendMissing,
  CheckpointCorrupt,
  ClassifierWeightsError,
  CliError,
  ConfigError,
  ConfigInvalid,
  DeviceHostExited,
  ERROR_TAGS,
  fromWire,
  isEvoganError,
  MemberLost,
  PoolLost,
  ReplayRefused,
  RunBusy,
  RunNotFound,
  RunStoreFailed,
  toWire,
  TrainingDiverged,
  WorkerCrashed,
  WorkerFailed,
  type EvoganError,
} from "../src/errors.ts";

const oneOfEach: readonly EvoganError[] = [
  new ConfigError("trainer.g.lr", "must be > 0,\n got 0"),
  new ConfigInvalid({ path: "c.json", message: "c.json: bad" }),
  new RunBusy({ path: "runs/a", message: "runs/a is still running" }),
  new CliError(7, "no checkpoint in runs/a"),
  new BackendMissing("tensorflow-gpu", "@tensorflow/tfjs-node-gpu", new Error("Cannot find package")),
  new TrainingDiverged(5),
  new WorkerFailed({ message: "advance of member a: boom", cause: new Error("boom"), lost: "member" }),
  new WorkerCrashed("worker exited with code: 70", [0, 1], { cause: new Error("exit") }),
  new MemberLost("member a was lost"),
  new DeviceHostExited(1, "GPU 1: host process 9 was killed (SIGKILL)"),
  new PoolLost({ message: "lost the queue's Redis" }),
  new AbortError("stop"),
  new CheckpointCorrupt({ file: "x.ckpt", message: "corrupt checkpoint x.ckpt: no body", missing: false }),
  new ClassifierWeightsError("/x/a.bin", "is missing", "missing"),
  new RunStoreFailed({ path: "runs/a", message: "runs/a: EACCES" }),
  new RunNotFound({ path: "runs/x", message: "not a run directory: runs/x" }),
  new ReplayRefused({ path: "runs/s/sweep.jsonl", reason: "inconsistent", message: "runs/s/sweep.jsonl: generation 1: the log disagrees" }),
];

/** What a class was built with, as the wire carries it (a cause stays behind). */
const fieldsOf = (e: EvoganError) => ({ ...Object.fromEntries(Object.entries(e).filter(([k]) => k !== "cause")), message: e.message });

describe("evogan's errors", () => {
  it("are Errors with a tag, one class per tag, named after it", () => {
    expect(oneOfEach.map((e) => e._tag).sort()).toEqual([...ERROR_TAGS].sort());
    for (const e of oneOfEach) {
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(e._tag);
      expect(isEvoganError(e)).toBe(true);
    }
    expect(isEvoganError(new Error("plain"))).toBe(false);
    expect(isEvoganError({ _tag: "BackendMissing", message: "a wire form, not an error" })).toBe(false);
  });

  it("keep their call forms and messages", () => {
    expect(new ConfigError("config", "cannot read\n  the file").message).toBe("config: cannot read the file");
    expect(new TrainingDiverged(4)).toMatchObject({ iteration: 4, message: "training diverged at iteration 4: every child's fitness is NaN" });
    expect(new BackendMissing("tensorflow", "@tensorflow/tfjs-node", new Error("line one\nline two")).message).toBe(
      "backend 'tensorflow' is not available: install it with `npm install @tensorflow/tfjs-node` (line one)",
    );
    expect(new AbortError().message).toBe("The task has been aborted");
  });

  it("cross a structured clone and JSON as their wire form and come back as their own class, fields and message intact", () => {
    for (const e of oneOfEach) {
      for (const [how, copy] of [
        ["structured clone", structuredClone(toWire(e))],
        ["JSON", JSON.parse(JSON.stringify(toWire(e)))],
      ] as const) {
        const back = fromWire(copy);
        expect({ how, tag: back?._tag, same: back instanceof Object.getPrototypeOf(e).constructor }).toEqual({ how, tag: e._tag, same: true });
        expect(fieldsOf(back!)).toEqual(JSON.parse(JSON.stringify(fieldsOf(e))));
        expect(back).toBeInstanceOf(Error);
        expect(back!.stack).toEqual(expect.any(String));
      }
    }
  });

  it("rebuild nothing from what is not a wire form", () => {
    for (const w of [undefined, null, "BackendMissing", new Error("x"), { message: "no tag" }, { _tag: "Nope", message: "x" }, { _tag: "PoolLost" }, new PoolLost({ message: "live" })]) {
      expect(fromWire(w)).toBeUndefined();
    }
  });
});
