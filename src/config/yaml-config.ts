// YAML configs: run, sweep and population files whose name ends in .yaml or .yml, read with the
// `yaml` package (YAML 1.2, core schema: `yes` stays a string, `1e-4` is a number, a duplicate
// key is an error). A YAML file parses into the same plain data as its JSON twin, and the parsed
// document is kept, so that a schema error can say which line its field is written on
// (`configs/x.yaml: line 7: trainer.g.lr: expected a number, got string "fast"`).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";

import { ConfigError } from "../errors.ts";

/** A config file's data, and (for a file with lines worth naming: YAML) where each field is written. */
export interface ConfigSource {
  readonly value: unknown;
  /**
   * The 1-based line of the field at `keys`, or of the deepest part of that path the file writes
   * (a missing field's parent); undefined when the file writes none of it.
   */
  readonly lineOf?: (keys: readonly (string | number)[]) => number | undefined;
}

export const isYamlFile = (file: string): boolean => /\.ya?ml$/i.test(file);

/** Aliases expanded at most this many times: YAML's "billion laughs" stays a config error, not a hang. */
const MAX_ALIAS_COUNT = 100;

/** Parses a YAML config; a syntax error is one line naming the file, the line and column, and what is wrong there. */
export function parseYamlConfig(text: string, file: string): ConfigSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    // The parser's message ends with " at line L, column C:" and a picture of the place; the place is said once, up front.
    const problem = error.message.split(/ at line \d+, column \d+:/)[0].split("\n")[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : "";
    throw new ConfigError("config", `config file ${JSON.stringify(file)} is not valid YAML${where}: ${problem}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ConfigError("config", `config file ${JSON.stringify(file)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { value, lineOf: (keys) => lineOf(doc, lines, keys) };
}

function lineOf(doc: Document, lines: LineCounter, keys: readonly (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  const lineAt = (range: readonly number[] | null | undefined) => (range ? lines.linePos(range[0]).line : line);
  for (const key of keys) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (pair === undefined) break;
      line = lineAt(isScalar(pair.key) ? pair.key.range : undefined);
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number" && key < node.items.length) {
      const item = node.items[key];
      line = lineAt(isScalar(item) || isMap(item) || isSeq(item) ? item.range : undefined);
      node = item;
    } else {
      break;
    }
  }
  return line;
}
