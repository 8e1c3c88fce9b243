// Checkpoint files: msgpackr with `moreTypes` (the default pack() corrupts Float32Array), a
// SHA-256 of the body checked on load, and an atomic write (temp file, fsync, rename) so that a
// crash mid-write leaves the previous checkpoint, never a torn one. Logs are appended whole lines.
import { createHash } from "node:crypto";
import { appendFile, open, readFile, rename, stat, truncate, unlink } from "node:fs/promises";
import { Packr } from "msgpackr";
import { CheckpointCorrupt } from "../errors.ts";

const packr = new Packr({ moreTypes: true });
const FORMAT = "evogan-checkpoint";
const VERSION = 1;

/** A file that is not an intact checkpoint, and why. */
const corrupt = (file: string, reason: string): CheckpointCorrupt => new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: ${reason}` });

interface Envelope {
  format: string;
  version: number;
  sha256: string;
  body: Uint8Array;
}

export function encodeCheckpoint(value: unknown): Buffer {
  const body = packr.pack(value);
  const sha256 = createHash("sha256").update(body).digest("hex");
  return packr.pack({ format: FORMAT, version: VERSION, sha256, body } satisfies Envelope);
}

export function decodeCheckpoint(bytes: Uint8Array, file = "<buffer>"): unknown {
  let env: Partial<Envelope>;
  try {
    env = packr.unpack(bytes) as Partial<Envelope>;
  } catch (e) {
    throw corrupt(file, `not msgpack (${(e as Error).message})`);
  }
  if (env?.format !== FORMAT) throw corrupt(file, "not an evogan checkpoint");
  if (env.version !== VERSION) throw corrupt(file, `unsupported version ${env.version}`);
  if (!(env.body instanceof Uint8Array)) throw corrupt(file, "no body");
  const sha = createHash("sha256").update(env.body).digest("hex");
  if (sha !== env.sha256) throw corrupt(file, "checksum mismatch");
  return packr.unpack(env.body);
}

/** Writes `file` whole or not at all; a failed write (a full disk) removes its temporary file. */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Appends whole lines: when the append fails part-way (a full disk), the file is cut back to where it was. */
export async function appendLines(file: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const size = await stat(file).then((s) => s.size, () => 0);
  try {
    await appendFile(file, lines.map((l) => l + "\n").join(""));
  } catch (e) {
    await truncate(file, size).catch(() => undefined);
    throw e;
  }
}

export async function writeCheckpoint(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(value));
}

export async function readCheckpoint(file: string): Promise<unknown> {
  return decodeCheckpoint(await readFile(file), file);
}
