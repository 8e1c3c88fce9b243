// `evogan export` of a PGGAN member: every stage's weights in tfjs names and layouts (G and D
// hold all stages whatever the growth point), with the image shape read from the weights, the
// schedule and the growth point of the checkpoint's next iteration in the metadata; a generator
// that does not fit its config's width is a corrupt checkpoint.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeRunConfig, type PgganModelConfig } from "../../src/config/run-config.ts";
import { CheckpointCorrupt } from "../../src/errors.ts";
import { exportWeights } from "../../src/export/export-weights.ts";
import type { RunWeights } from "../../src/orchestrator/newest-checkpoint.ts";
import { makeImageTrainer } from "../../src/trainers/image-trainer.ts";
import type { ImageMemberConfig } from "../../src/worker/protocol.ts";
import { useWasm } from "../helpers/tf-backend.ts";

beforeAll(useWasm);

async function pgganRun(): Promise<RunWeights & { readonly config: ImageMemberConfig; readonly model: PgganModelConfig }> {
  const c = decodeRunConfig({ task: { dataset: "mnist", limit: 256 }, model: { family: "pggan", zDim: 8, width: 8, growth: { hold: [2, 5], fade: [4, 5] } }, trainer: { batchSize: 8 } });
  if (c.model.family !== "pggan") throw new Error("expected pggan");
  const config: ImageMemberConfig = { kind: "image", task: c.task, model: c.model, trainer: c.trainer, seed: 1, grid: 16 };
  const t = makeImageTrainer(config);
  for (let i = 0; i < 3; i++) await t.step();
  await t.flush();
  const trainer = await t.exportState();
  t.dispose();
  return { name: "pg", config, model: c.model, state: { trainer, trainMs: 0 }, it: trainer.it, file: "pg/final.ckpt", passedOver: [] };
}

describe("exporting a PGGAN", () => {
  let run: Awaited<ReturnType<typeof pgganRun>>;
  beforeAll(async () => {
    run = await pgganRun();
  });

  it("writes G (every stage) raw, with its shape, schedule and growth point (stage 1 at α = 1/4 after 3 iterations of hold [2, 5], fade [4, 5])", () => {
    const { tensors, metadata, parts } = exportWeights(run, undefined, "test");
    expect(parts).toEqual(["g"]);
    expect(metadata).toMatchObject({
      family: "pggan",
      layout: "tfjs",
      z_dim: "8",
      width: "8",
      image_height: "28",
      image_width: "28",
      image_channels: "1",
      resolutions: "7,14,28",
      growth_hold: "2,5",
      growth_fade: "4,5",
      growth_stage: "1",
      growth_alpha: "0.25",
      iteration: "3",
    });
    const shapes = Object.fromEntries(tensors.map((t) => [t.name, t.shape]));
    // Width 8: 16, 8 and 4 channels at 7, 14 and 28.
    expect(shapes).toMatchObject({
      "g.base.fc.w": [8, 7 * 7 * 16],
      "g.base.conv.w": [3, 3, 16, 16],
      "g.block1.conv1.w": [3, 3, 16, 8],
      "g.block2.conv2.w": [3, 3, 4, 4],
      "g.rgb0.w": [1, 1, 16, 1],
      "g.rgb2.w": [1, 1, 4, 1],
    });
    expect(tensors.every((t) => t.name.startsWith("g."))).toBe(true);
  });

  it("D too, with every stage's fromRGB and blocks", () => {
    const { tensors, parts } = exportWeights(run, ["d"], "test");
    expect(parts).toEqual(["d"]);
    const names = tensors.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["d.rgb0.w", "d.rgb1.w", "d.rgb2.w", "d.block1.conv1.w", "d.block2.conv2.w", "d.final.conv.w", "d.final.fc.w"]));
  });

  it("a generator that does not fit the config's width is a corrupt checkpoint", () => {
    const wrong: RunWeights = { ...run, config: { ...run.config, model: { ...run.model, width: 12 } } };
    expect(() => exportWeights(wrong, undefined, "test")).toThrow(CheckpointCorrupt);
    expect(() => exportWeights(wrong, undefined, "test")).toThrow(/g\.base\.fc\.w and g\.rgb2\.w do not fit width 12/);
  });
});
