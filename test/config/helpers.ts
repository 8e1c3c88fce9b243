import { expect } from "vitest";

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
