import { readFile } from "node:fs/promises";

import { applyOverrides } from "./overrides.ts";
import { decodeRunConfig, EMBEDDED_RUN, IMAGE_DATASETS, type RunConfig } from "./run-config.ts";
import { ConfigError, isPlainObject } from "./schema.ts";

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
  const raw = file === undefined ? embeddedFor(sets) : await readConfigFile(file);
  // Array elements a --set edits come from what the config inherits: the file defaults (the embedded run spells its arrays out).
  return decodeRunConfig(applyOverrides(raw, sets, decodeRunConfig({})));
}

/**
 * The embedded run is a toy setting: when the overrides pick an image family or dataset
 * (`--set model.family=dcgan`), the run starts from the inherited defaults and that family's.
 */
function embeddedFor(sets: readonly string[]): unknown {
  let over: unknown;
  try {
    over = applyOverrides({}, sets, decodeRunConfig({}));
  } catch {
    return structuredClone(EMBEDDED_RUN); // the real application below reports the bad --set
  }
  const at = (o: unknown, k: string): unknown => (isPlainObject(o) ? o[k] : undefined);
  const family = at(at(over, "model"), "family");
  const dataset = at(at(over, "task"), "dataset");
  const images = (family !== undefined && family !== "mlp") || (IMAGE_DATASETS as readonly unknown[]).includes(dataset);
  return images ? {} : structuredClone(EMBEDDED_RUN);
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
