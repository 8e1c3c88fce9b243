import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";

import { ConfigError } from "../../src/errors.ts";

/** Run `f`, expect a ConfigError, and return it so the caller can check path and reason. */
export function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    if (error instanceof ConfigError) return error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

export async function configErrorAsync(f: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await f();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    if (error instanceof ConfigError) return error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

/**
 * A temporary folder for a test file's config files, made before its tests and removed after:
 * returns `file(name, text)`, which writes one and gives its path.
 */
export function tempConfigFiles(prefix: string): (name: string, text: string) => Promise<string> {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return async (name, text) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
}
