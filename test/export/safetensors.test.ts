// The safetensors writer, read back by numpy (Debian's python3-numpy) with the README's loader:
// the header's length, padding and entries, the metadata (non-ASCII included: the header length
// counts bytes, not characters), and every value bit for bit. Plus what the writer refuses.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeSafetensors, type SafeTensor } from "../../src/export/safetensors.ts";
import { Rng } from "../../src/util/rng.ts";
import { runPython, skipWithout } from "./python.ts";

interface NumpyView {
  file_size: number;
  header_length: number;
  header_padding: number;
  metadata: Record<string, string>;
  names: string[];
  entries: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  values: Record<string, number[]>;
}

const skip = skipWithout(["numpy"], "safetensors.test.ts");

describe.skipIf(skip)("safetensors files as numpy reads them", () => {
  it("numpy reads back every tensor's shape and values, in the order written, and the metadata", async () => {
    const rng = new Rng(7);
    const tensors: SafeTensor[] = [
      { name: "b.weight", shape: [3, 2, 4], data: rng.normalArray(24) },
      { name: "a.bias", shape: [5], data: rng.normalArray(5) },
      { name: "scalar", shape: [], data: new Float32Array([Math.PI]) },
      // Values that show a byte-order or conversion mistake.
      { name: "edge", shape: [1, 6], data: new Float32Array([0, -0, 1e-38, 3.4e38, -1.5, 2 ** -20]) },
    ];
    const metadata = { family: "dcgan", note: "γ = 0.5, ε: 1e-5 — unicode", empty: "" };
    const file = join(await mkdtemp(join(tmpdir(), "evogan-safetensors-")), "t.safetensors");
    const bytes = encodeSafetensors(tensors, metadata);
    await writeFile(file, bytes);
    const view = JSON.parse(await runPython("read_safetensors.py", [file])) as NumpyView;

    expect(view.file_size).toBe(bytes.length);
    // Data starts on an 8-byte boundary, after fewer than 8 padding spaces.
    expect((8 + view.header_length) % 8).toBe(0);
    expect(view.header_padding).toBeLessThan(8);
    expect(view.metadata).toEqual(metadata);
    expect(view.names).toEqual(tensors.map((t) => t.name));
    let offset = 0;
    for (const t of tensors) {
      const size = t.data.length * 4;
      expect(view.entries[t.name]).toEqual({ dtype: "F32", shape: t.shape, data_offsets: [offset, offset + size] });
      offset += size;
      expect(view.values[t.name]).toEqual(Array.from(t.data)); // -0 too: Python writes -0.0
    }
    // The data section is exactly the tensors: no gap, nothing after them.
    expect(8 + view.header_length + offset).toBe(bytes.length);
  });

  it("a file without metadata has no __metadata__ entry", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "evogan-safetensors-")), "t.safetensors");
    await writeFile(file, encodeSafetensors([{ name: "x", shape: [2], data: new Float32Array([1, 2]) }]));
    const view = JSON.parse(await runPython("read_safetensors.py", [file])) as NumpyView;
    expect(view.metadata).toEqual({});
    expect(view.values).toEqual({ x: [1, 2] });
  });
});

describe("what the writer refuses", () => {
  const one = (name: string, shape: number[], n: number): SafeTensor => ({ name, shape, data: new Float32Array(n) });
  it("a name used twice, the reserved __metadata__, an empty name", () => {
    expect(() => encodeSafetensors([one("x", [1], 1), one("x", [1], 1)])).toThrow(/"x" is reserved, empty or taken twice/);
    expect(() => encodeSafetensors([one("__metadata__", [1], 1)])).toThrow(/reserved/);
    expect(() => encodeSafetensors([one("", [1], 1)])).toThrow(/reserved/);
  });
  it("values that do not fill the shape, and shapes that are not shapes", () => {
    expect(() => encodeSafetensors([one("x", [2, 3], 5)])).toThrow(/x has 5 values for shape \[2,3\]/);
    expect(() => encodeSafetensors([one("x", [-1, -6], 6)])).toThrow(/x has 6 values/);
    expect(() => encodeSafetensors([one("x", [1.5, 2], 3)])).toThrow(/x has 3 values/);
  });
});
