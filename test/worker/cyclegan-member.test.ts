// A CycleGAN member in the worker (src/worker/egan-worker.ts, called in this process): built from
// a run config as `evogan run` builds it, advanced with evaluations, exported through a real
// checkpoint encoding (msgpackr) and rebuilt: the rebuilt member's next segment has exactly the
// records, metrics and state of a member that was never interrupted. A PBT copy keeps its state
// (its batches come from its own seed), and a CycleGAN member refuses what only members that draw
// from z can do.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";
import { memberConfig } from "../../src/orchestrator/member-config.ts";
import { isTranslationMetrics } from "../../src/records.ts";
import { isCycleganState } from "../../src/trainers/trainer.ts";
import handle from "../../src/worker/egan-worker.ts";
import { isImageMember, reseedTrainer, type AdvanceResult, type ImagesResult, type MemberState, type WorkerTask } from "../../src/worker/protocol.ts";

// 300 training images (20 held out for validation), widths 4 and 8, one residual block; one test
// pair per evaluation keeps FID (and its reference statistics) out of this test.
const built = memberConfig(
  decodeRunConfig({
    model: { family: "cyclegan", gWidth: 4, blocks: 1, dWidth: 8 },
    task: { limit: 300, validation: 20 },
    trainer: { g: { lr: 1e-3 }, d: { lr: 1e-3 } },
    eval: { grid: 4 },
  }),
);
if (!isImageMember(built)) throw new Error("a cyclegan run config makes an image member");
const config = built;

const init = (memberId: string, state?: MemberState): WorkerTask => ({ kind: "init", memberId, backend: "wasm", config, state });
const advance = async (memberId: string, iterations: number) => (await handle({ kind: "advance", memberId, iterations, evaluate: { samples: 1 } })) as AdvanceResult;
const exported = async (memberId: string) => (await handle({ kind: "export", memberId })) as MemberState;
/** What a resumed run must reproduce: the records without their wall clock, the metrics. */
const replayable = (r: AdvanceResult) => ({ records: r.records.map(({ elapsedMs: _, ...rest }) => rest), metrics: r.evaluation?.metrics, png: r.evaluation?.png });

describe("a cyclegan member in the worker", () => {
  it("advance 4, checkpoint (msgpackr), rebuild, advance 4 equals advancing 4 + 4 without a break; translation metrics each time; tensors flat", async () => {
    await handle(init("whole"));
    const first = await advance("whole", 4);
    expect(first.records.map((r) => r.it)).toEqual([1, 2, 3, 4]);
    const m = first.evaluation!.metrics;
    expect(isTranslationMetrics(m) && m.samples === 1 && m.valSamples === 20 && Number.isNaN(m.fidA)).toBe(true);

    const saved = decodeCheckpoint(encodeCheckpoint(await exported("whole"))) as MemberState;
    expect(isCycleganState(saved.trainer)).toBe(true);
    await handle(init("resumed", saved));
    const whole = await advance("whole", 4);
    const resumed = await advance("resumed", 4);
    expect(resumed.records.map((r) => r.it)).toEqual([5, 6, 7, 8]);
    expect(replayable(resumed)).toEqual(replayable(whole));
    expect((await exported("resumed")).trainer).toEqual((await exported("whole")).trainer);
    // Each member's next segment allocates nothing it keeps.
    await advance("whole", 1);
    await advance("whole", 1);
    const settled = tf.memory().numTensors;
    await advance("whole", 2);
    expect(tf.memory().numTensors).toBe(settled);
    await handle({ kind: "release", memberId: "whole" });
    await handle({ kind: "release", memberId: "resumed" });
  });

  it("a PBT copy keeps the state as it is: its batches come from the copy's own seed", async () => {
    await handle(init("source"));
    await advance("source", 2);
    const state = await exported("source");
    expect(reseedTrainer(state.trainer, [1, 2, 3, 4])).toBe(state.trainer);
    // The same state under another seed trains on other batches.
    await handle({ kind: "init", memberId: "copy", backend: "wasm", config: { ...config, seed: config.seed + 1 }, state });
    const [a, b] = [await advance("source", 1), await advance("copy", 1)];
    expect(a.records[0].it).toBe(3);
    expect(b.records[0].it).toBe(3);
    expect(b.records[0].dLoss).not.toBe(a.records[0].dLoss);
    await handle({ kind: "release", memberId: "source" });
    await handle({ kind: "release", memberId: "copy" });
  });

  it("sample gives test images beside their translations; reconstruct and samples from z are refused in one line", async () => {
    await handle(init("s"));
    const r = (await handle({ kind: "sample", memberId: "s", n: 3, seed: 5, ema: true, direction: "BtoA" })) as ImagesResult;
    expect(r.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(r.images.length).toBe(3 * 784);
    expect(r.originals!.length).toBe(3 * 784);
    // Domain B's test images are inverted digits: mostly white (+1) background.
    expect(r.originals!.reduce((s, v) => s + v, 0) / r.originals!.length).toBeGreaterThan(0.5);
    await expect(handle({ kind: "reconstruct", memberId: "s", n: 2, ema: true })).rejects.toThrow(/CycleGAN: it translates images and draws none from z/);
    await handle({ kind: "release", memberId: "s" });
  });
});
