// Every error evogan raises on purpose becomes a one-line message and the exit code README's table
// documents, the same way inside an Effect program and thrown outside one.
import { readFileSync } from "node:fs";
import { Cause, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { codeOf, describeExit, describeThrown, EXIT } from "../../src/cli/exit-codes.ts";
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
  MemberLost,
  PoolLost,
  ReplayRefused,
  RunBusy,
  RunNotFound,
  RunStoreFailed,
  TrainingDiverged,
  WorkerCrashed,
  WorkerFailed,
  type EvoganError,
} from "../../src/errors.ts";
import { RedisLost } from "../../src/queue/redis-watch.ts";

/** One error of every tag (some twice, where the error decides its code) and the code README gives it. */
const documented: ReadonlyArray<readonly [EvoganError, number]> = [
  [new ConfigError("trainer.g.lr", "must be > 0, got 0"), EXIT.config],
  [new ConfigInvalid({ path: "runs/a/config.json", message: "runs/a/config.json: invalid config: seed: expected an integer" }), EXIT.config],
  [new RunBusy({ path: "runs/a", message: "runs/a is still running (pid 7 on h): stop it before resuming" }), EXIT.config],
  [new CliError(EXIT.config, "runs/a is a toy run; its scatter plots are in runs/a/samples"), EXIT.config],
  [new CliError(EXIT.notFound, "no checkpoint in runs/a"), EXIT.notFound],
  [new BackendMissing("tensorflow", "@tensorflow/tfjs-node", new Error("Cannot find package\nat ...")), EXIT.backend],
  [new TrainingDiverged(12), EXIT.diverged],
  [new WorkerFailed({ message: "advance of member a on cpu thread 0: boom" }), EXIT.worker],
  [new WorkerCrashed("worker exited with code: 70", [0]), EXIT.worker],
  [new MemberLost("member a was lost: the worker that held it died"), EXIT.worker],
  [new DeviceHostExited(1, "GPU 1 (CUDA_VISIBLE_DEVICES=1): host process 42 did not start within 60000 ms"), EXIT.worker],
  [new PoolLost({ message: "the pool is gone" }), EXIT.worker],
  [new RedisLost("redis://127.0.0.1:6379", 31_000, "connect ECONNREFUSED 127.0.0.1:6379"), EXIT.worker],
  [new RunStoreFailed({ path: "runs/a/events.jsonl", message: "runs/a/events.jsonl: ENOSPC: no space left on device" }), EXIT.io],
  [new RunNotFound({ path: "runs/x", message: "not a run directory: runs/x (no run.json)" }), EXIT.notFound],
  [new ClassifierWeightsError("/x/a.bin", "is missing", "missing"), EXIT.notFound],
  [new ClassifierWeightsError("/x/a.bin", "sha256 differs"), EXIT.checkpoint],
  [new CheckpointCorrupt({ file: "runs/a/checkpoints/latest.ckpt", message: "corrupt checkpoint runs/a/checkpoints/latest.ckpt: checksum mismatch" }), EXIT.checkpoint],
  [new ReplayRefused({ path: "runs/s", reason: "unfinished", message: "runs/s has not finished (status interrupted): resume it first" }), EXIT.config],
  [new ReplayRefused({ path: "runs/s/sweep.jsonl", reason: "inconsistent", message: "runs/s/sweep.jsonl: generation 1: the log disagrees" }), EXIT.checkpoint],
  [new ReplayRefused({ path: "runs/s", reason: "averaged", message: "runs/s averaged its members' states (first after generation 0): a replay follows one member's lineage of copies, and a mean has none" }), EXIT.config],
  [new AbortError("stop"), EXIT.interrupted],
];

describe("exit codes", () => {
  it("every tag in the vocabulary has its documented exit code, and README's table lists each code", () => {
    expect(new Set(documented.map(([e]) => e._tag))).toEqual(new Set(ERROR_TAGS));
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const [e, code] of documented) {
      expect({ tag: e._tag, code: codeOf(e) }).toEqual({ tag: e._tag, code });
      expect(readme).toMatch(new RegExp(`^\\| ${code} \\| `, "m"));
    }
  });

  it("an error thrown outside Effect maps to its code and a one-line message, as it would inside a program", () => {
    for (const [e, code] of documented) {
      const thrown = describeThrown(e);
      expect(thrown).toMatchObject({ code, tag: e._tag });
      expect(thrown.message).not.toMatch(/[\r\n]/);
      expect(describeExit(Exit.fail(e))).toEqual(thrown);
    }
  });

  it("says a config field's error is one, names the package of a missing backend, keeps the other messages", () => {
    expect(describeThrown(new ConfigError("trainer.gama", "unknown key")).message).toBe("invalid config: trainer.gama: unknown key");
    expect(describeThrown(new BackendMissing("tensorflow-gpu", "@tensorflow/tfjs-node-gpu", new Error("nope"))).message).toBe(
      "backend 'tensorflow-gpu' is not available: install it with `npm install @tensorflow/tfjs-node-gpu` (nope)",
    );
    expect(describeThrown(new ClassifierWeightsError("/x/a.bin", "is missing", "missing"))).toEqual({ code: EXIT.notFound, message: "classifier weights /x/a.bin: is missing", tag: "ClassifierWeightsError" });
    expect(describeThrown(new TrainingDiverged(3)).message).toBe("training diverged at iteration 3: every child's fitness is NaN");
  });

  it("a file system error is I/O (6); anything else is a defect (1) with its stack; an interrupted program is 130", () => {
    const io = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: "EACCES" });
    expect(describeThrown(io)).toEqual({ code: EXIT.io, message: io.message });
    const bug = new TypeError("x is undefined");
    expect(describeThrown(bug)).toEqual({ code: EXIT.defect, message: bug.stack });
    // An error with a tag that is not evogan's is not one of its errors.
    expect(describeThrown(Object.assign(new Error("elsewhere"), { _tag: "BackendMissing" })).code).toBe(EXIT.defect);
    expect(describeExit(Exit.failCause(Cause.interrupt()))?.code).toBe(EXIT.interrupted);
  });
});
