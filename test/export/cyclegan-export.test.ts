// `evogan export` of a CycleGAN member: its g part holds both generators (g.* is G: A → B, f.* is
// F: B → A) and its d part both discriminators (da.*, db.*), as the trainer holds them (tfjs
// names and layouts), with the model and the transform in the metadata; it has no EMA copy, and a
// checkpoint whose state is not a CycleGAN's is corrupt.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { CheckpointCorrupt, ConfigError } from "../../src/errors.ts";
import { exportWeights } from "../../src/export/export-weights.ts";
import { memberConfig } from "../../src/orchestrator/member-config.ts";
import type { RunWeights } from "../../src/orchestrator/newest-checkpoint.ts";
import { makeCycleganTrainer } from "../../src/trainers/image-trainer.ts";
import type { CycleganState } from "../../src/trainers/cyclegan-trainer.ts";
import type { ImageEganState } from "../../src/trainers/image-egan-trainer.ts";
import { isImageMember } from "../../src/worker/protocol.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

let run: RunWeights;
let state: CycleganState;
beforeAll(async () => {
  const config = memberConfig(decodeRunConfig({ task: { dataset: "mnist", limit: 200, validation: 10, transform: "rot90" }, model: { family: "cyclegan", gWidth: 2, blocks: 1, dWidth: 4 } }));
  if (!isImageMember(config)) throw new Error("expected an image member");
  const t = makeCycleganTrainer(config);
  await t.step();
  await t.step();
  await t.flush();
  state = await t.exportState();
  t.dispose();
  run = { name: "cg", config, state: { trainer: state, trainMs: 0 }, it: state.it, file: "cg/final.ckpt", passedOver: [] };
});

describe("exporting a CycleGAN", () => {
  it("writes G and F as the g part, D_A and D_B as the d part, each tensor as trained", () => {
    const out = exportWeights(run, ["g", "d"], "test");
    expect(out.parts).toEqual(["g", "d"]);
    const names = out.tensors.map((t) => t.name).sort();
    expect(names).toEqual([...Object.keys(state.generators.p), ...Object.keys(state.discriminators.p)].sort());
    // G and F are the same net under two prefixes: 7×7 in, two downsampling convs, 2 per block, two up, 7×7 out.
    for (const prefix of ["g.", "f."]) expect(names.filter((n) => n.startsWith(prefix) && n.endsWith(".w")).length).toBe(3 + 2 + 2 + 1);
    const out7 = out.tensors.find((t) => t.name === "f.out.w")!;
    expect(out7.shape).toEqual([7, 7, 2, 1]);
    expect(out7.data).toEqual(state.generators.p["f.out.w"].data);
    expect(out.metadata).toMatchObject({ family: "cyclegan", transform: "rot90", g_width: "2", blocks: "1", d_width: "4", image_channels: "1", layout: "tfjs", parts: "g,d", iteration: "2" });
    expect(JSON.parse(out.metadata.model_config)).toEqual({ family: "cyclegan", gWidth: 2, blocks: 1, dWidth: 4 });
  });

  it("by default exports the generators only; it has no EMA copy or encoder", () => {
    expect(exportWeights(run, undefined, "test").parts).toEqual(["g"]);
    expect(() => exportWeights(run, ["ema"], "test")).toThrow(ConfigError);
    expect(() => exportWeights(run, ["e"], "test")).toThrow(/only BigBiGAN and augmented BiGAN have an encoder/);
  });

  it("a checkpoint whose state is another family's is corrupt", () => {
    // An image E-GAN's state (DCGAN's shape of it) under a CycleGAN's config.
    const other: ImageEganState = { it: state.it, draws: state.draws.a, parents: [state.generators], d: state.discriminators };
    expect(() => exportWeights({ ...run, state: { trainer: other, trainMs: 0 } }, ["g"], "test")).toThrow(CheckpointCorrupt);
  });
});
