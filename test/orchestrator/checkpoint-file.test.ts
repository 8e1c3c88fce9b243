import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointCorrupt } from "../../src/errors.ts";
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint } from "../../src/orchestrator/checkpoint-file.ts";

const state = { it: 7, params: [Float32Array.from([0.1, -2.5, 3.75e-8, 1e30]), new Float32Array(1000).fill(0.123)], t: 3 };

describe("checkpoint files", () => {
  it("round-trip Float32Array weights exactly, with their type", () => {
    const back = decodeCheckpoint(encodeCheckpoint(state)) as typeof state;
    expect(back.params[0]).toBeInstanceOf(Float32Array);
    expect(back).toEqual(state);
  });

  it("detect a single flipped bit anywhere in the weights", () => {
    const bytes = encodeCheckpoint(state);
    for (const at of [bytes.length - 10, Math.floor(bytes.length / 2), 200]) {
      const bad = Uint8Array.from(bytes);
      bad[at] ^= 0x10;
      expect(() => decodeCheckpoint(bad, "x.ckpt")).toThrow(CheckpointCorrupt);
    }
  });

  it("reject a truncated file and a file that is not a checkpoint", () => {
    const bytes = encodeCheckpoint(state);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100), "t.ckpt")).toThrow(/corrupt checkpoint t\.ckpt/);
    expect(() => decodeCheckpoint(Buffer.from('{"json": true}'), "j.ckpt")).toThrow(CheckpointCorrupt);
  });

  it("are written atomically: no temp file is left and a rewrite replaces the whole file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evogan-ckpt-"));
    const file = join(dir, "m.ckpt");
    await writeCheckpoint(file, state);
    await writeCheckpoint(file, { ...state, it: 8 });
    expect(await readdir(dir)).toEqual(["m.ckpt"]);
    expect(((await readCheckpoint(file)) as typeof state).it).toBe(8);
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 1;
    await writeFile(file, bytes);
    await expect(readCheckpoint(file)).rejects.toThrow(/checksum mismatch|not msgpack/);
  });
});
