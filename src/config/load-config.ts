// Reading config files: JSON, or YAML for a name ending in .yaml or .yml (src/config/yaml-config.ts),
// both into the same plain data that the schemas decode. A schema error of a YAML file also names
// the file and the line its field is written on.
import { readFile } from "node:fs/promises";

import { applyOverrides, parseSet } from "./overrides.ts";
import { decodeRunConfig, EMBEDDED_RUN, IMAGE_DATASETS, type RunConfig } from "./run-config.ts";
import { jsonSyntaxError } from "./json-syntax-error.ts";
import { ConfigError } from "../errors.ts";
import { isPlainObject, pathKeys } from "./config-schema.ts";
import { isYamlFile, parseYamlConfig, type ConfigSource } from "./yaml-config.ts";

export type { ConfigSource };

/** Read and parse a config file (YAML by its name, else JSON); ConfigError (path `config`) when unreadable or not valid. */
export async function readConfigSource(file: string): Promise<ConfigSource> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError("config", `cannot read config file ${JSON.stringify(file)}: ${errorText(error)}`);
  }
  return isYamlFile(file) ? parseYamlConfig(text, file) : { value: parseConfigText(text, file) };
}

/** A config file's data (see readConfigSource). */
export async function readConfigFile(file: string): Promise<unknown> {
  return (await readConfigSource(file)).value;
}

/**
 * `e` with the file and line its field is written on, when `source` knows lines (YAML) and the
 * value came from the file: not from a `--set` (`sets`), and not from a default the file does not
 * write (then the line of the nearest part of its path that the file does write). `under` is
 * where the file sits in the decoded config (`["population"]` for a sweep's population file).
 */
export function locateConfigError(e: unknown, source: ConfigSource, file: string, sets: readonly string[] = [], under: readonly string[] = []): unknown {
  if (!(e instanceof ConfigError) || e.at !== undefined || source.lineOf === undefined) return e;
  const keys = pathKeys(e.path);
  if (keys === undefined || keys.length <= under.length || !startsWith(keys, under)) return e;
  if (sets.some((set) => startsWith(keys, setKeys(set)))) return e;
  const line = source.lineOf(keys.slice(under.length));
  return line === undefined ? e : new ConfigError(e.path, e.reason, `${file}: line ${line}`);
}

const startsWith = (keys: readonly (string | number)[], prefix: readonly (string | number)[] | undefined): boolean =>
  prefix !== undefined && prefix.length <= keys.length && prefix.every((k, i) => String(k) === String(keys[i]));

function setKeys(set: string): readonly string[] | undefined {
  try {
    return parseSet(set).segments;
  } catch {
    return undefined; // a malformed --set fails on its own, before any field is decoded
  }
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
  const source: ConfigSource = file === undefined ? { value: embeddedFor(sets) } : await readConfigSource(file);
  try {
    // Array elements a --set edits come from what the config inherits: the file defaults (the embedded run spells its arrays out).
    return decodeRunConfig(applyOverrides(source.value, sets, decodeRunConfig({})));
  } catch (e) {
    throw file === undefined ? e : locateConfigError(e, source, file, sets);
  }
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
