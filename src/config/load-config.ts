import { readFile } from "node:fs/promises";

import { applyOverrides } from "./overrides.ts";
import { decodeRunConfig, EMBEDDED_RUN, type RunConfig } from "./run-config.ts";
import { ConfigError } from "./schema.ts";

/** Read and parse a JSON config file; ConfigError (path `config`) when unreadable or not JSON. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError("config", `cannot read config file ${JSON.stringify(file)}: ${errorText(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      "config",
      `config file ${JSON.stringify(file)} is not valid JSON: ${errorText(error)}${lineColumn(text, error)}`,
    );
  }
}

/**
 * The run config from `file` (or the embedded default when there is none), with `--set`
 * overrides applied before validation.
 */
export async function loadRunConfig(file: string | undefined, sets: readonly string[]): Promise<RunConfig> {
  const raw = file === undefined ? structuredClone(EMBEDDED_RUN) : await readConfigFile(file);
  // Array elements a --set edits come from what the config inherits: the file defaults (the embedded run spells its arrays out).
  return decodeRunConfig(applyOverrides(raw, sets, decodeRunConfig({})));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// V8 reports an offset ("at position 57"), or nothing at the end of input; editors want line:column.
function lineColumn(text: string, error: unknown): string {
  const message = errorText(error);
  if (/line \d+ column \d+/.test(message)) return "";
  const match = /position (\d+)/.exec(message);
  const offset = match ? Number(match[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return "";
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
}
