import { readFile } from "node:fs/promises";

import { applyOverrides } from "./overrides.ts";
import { decodeRunConfig, EMBEDDED_RUN, IMAGE_DATASETS, type RunConfig } from "./run-config.ts";
import { jsonSyntaxError } from "./json-syntax-error.ts";
import { ConfigError } from "../errors.ts";
import { isPlainObject } from "./config-schema.ts";

/** Read and parse a JSON config file; ConfigError (path `config`) when unreadable or not JSON. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError("config", `cannot read config file ${JSON.stringify(file)}: ${errorText(error)}`);
  }
  return parseConfigText(text, file);
}

/**
 * Parse a config file's text: a leading UTF-8 byte order mark (which some editors write, and
 * JSON.parse rejects as an invisible "Unexpected token") is dropped, and a syntax error is one
 * line naming the file, the line and column, and what is wrong there.
 */
export function parseConfigText(text: string, file: string): unknown {
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    return JSON.parse(json);
  } catch (error) {
    const at = jsonSyntaxError(json);
    const where = at ? ` at line ${at.line}, column ${at.column}: ${at.problem}` : `: ${errorText(error)}`;
    throw new ConfigError("config", `config file ${JSON.stringify(file)} is not valid JSON${where}`);
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
