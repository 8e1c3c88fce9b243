// A mapping's tensor must be in the checkpoint with the shape the model config implies; anything
// else is a checkpoint that does not hold its config's model (CheckpointCorrupt, naming the file).
import { describe, expect, it } from "vitest";
import { dcganGeneratorMapping } from "../../src/export/dcgan-layout.ts";
import { mapTensors } from "../../src/export/tensor-mapping.ts";
import { CheckpointCorrupt } from "../../src/errors.ts";
import type { ParamData } from "../../src/models/image/params.ts";

const dims = { zDim: 3, width: 8, shape: { height: 28, width: 28, channels: 1 } };

/** Every tensor of the mapping, with values 0, 1, 2, ... */
function params(): Record<string, { shape: number[]; data: Float32Array }> {
  return Object.fromEntries(dcganGeneratorMapping(dims).map((m) => [m.from, { shape: [...m.shape], data: Float32Array.from({ length: m.shape.reduce((a, b) => a * b, 1) }, (_, i) => i) }]));
}

describe("mapTensors", () => {
  it("prefixes every PyTorch name and keeps the values (a bias unpermuted, a BN gain as it is)", () => {
    const out = mapTensors(params(), dcganGeneratorMapping(dims), "g.", "f.ckpt");
    expect(out.map((t) => t.name)).toEqual(["g.fc.weight", "g.fc.bias", "g.bn0.weight", "g.bn0.bias", "g.up1.weight", "g.up1.bias", "g.bn1.weight", "g.bn1.bias", "g.up2.weight", "g.up2.bias"]);
    expect(out.find((t) => t.name === "g.up1.weight")!.shape).toEqual([16, 8, 4, 4]);
    expect(Array.from(out.find((t) => t.name === "g.bn0.weight")!.data)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // fc.bias[(c, i, j)] = g.fc.b[(i, j, c)] with 7×7 cells of 16 channels: torch index 1 is (c 0, i 0, j 1) = tfjs 16.
    expect(Array.from(out.find((t) => t.name === "g.fc.bias")!.data.subarray(0, 3))).toEqual([0, 16, 32]);
  });

  it("a missing tensor or a misshapen one is a CheckpointCorrupt naming the file and the tensor", () => {
    const { ["g.bn1.gamma"]: _, ...missing } = params();
    expect(() => mapTensors(missing as ParamData, dcganGeneratorMapping(dims), "g.", "f.ckpt")).toThrow(CheckpointCorrupt);
    expect(() => mapTensors(missing as ParamData, dcganGeneratorMapping(dims), "g.", "f.ckpt")).toThrow(/^corrupt checkpoint f\.ckpt: no tensor g\.bn1\.gamma/);
    const wide = { ...params(), "g.up1.w": { shape: [4, 4, 8, 32], data: new Float32Array(4 * 4 * 8 * 32) } };
    expect(() => mapTensors(wide, dcganGeneratorMapping(dims), "g.", "f.ckpt")).toThrow(/g\.up1\.w has shape \[4,4,8,32\], the run's model config implies \[4,4,8,16\]/);
  });
});
