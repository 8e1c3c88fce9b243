// `--set key.path=value` overrides, applied to the raw JSON before the schema sees it, so a bad
// value is reported by the schema under its own path (`trainer.gamma: must be >= 0, got -1`).
//
// The value is JSON when it parses as JSON (`0.5`, `true`, `["minimax","heuristic"]`, `"1e5"`),
// else the plain string (`name=my-run`). Path segments are object keys or array indices:
// `model.gHidden.1=256` and `model.gHidden[1]=256` are the same.

import { ConfigError } from "../errors.ts";
import { describe, isPlainObject } from "./config-schema.ts";

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return Array.isArray(value) || isPlainObject(value);
}

function malformed(arg: string, why: string): never {
  throw new ConfigError("--set", `malformed ${JSON.stringify(arg)}: ${why} (expected key.path=value)`);
}

function cannot(arg: string, why: string): never {
  throw new ConfigError("--set", `cannot apply ${JSON.stringify(arg)}: ${why}`);
}

export interface ParsedSet {
  readonly segments: readonly string[];
  readonly value: unknown;
}

export function parseSet(arg: string): ParsedSet {
  const eq = arg.indexOf("=");
  if (eq < 0) malformed(arg, "no '='");
  const key = arg.slice(0, eq).trim();
  if (key === "") malformed(arg, "empty key");
  const segments = key.replace(/\[(\d+)\]/g, ".$1").split(".");
  if (segments.some((s) => s === "")) malformed(arg, "empty path segment");
  // Assigning `__proto__` would replace the object's prototype instead of adding a key.
  if (segments.includes("__proto__")) malformed(arg, "'__proto__' is not a config key");
  return { segments, value: parseValue(arg.slice(eq + 1)) };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const INDEX = /^\d+$/;

function childOf(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) return INDEX.test(segment) ? node[Number(segment)] : undefined;
  if (isPlainObject(node)) return Object.hasOwn(node, segment) ? node[segment] : undefined;
  return undefined;
}

/**
 * Apply `sets` in order to a copy of `raw`. A missing intermediate array is copied from `base` at
 * the same path when `base` has one there (pass the embedded defaults), so that
 * `model.gHidden.0=128` edits the default widths instead of making a one-layer list; anything
 * else missing is created as `{}` (the schema fills in the defaults of the fields not given, so a
 * `model.family=dcgan` does not drag the MLP's default fields along).
 */
export function applyOverrides(raw: unknown, sets: readonly string[], base?: unknown): unknown {
  if (sets.length === 0) return raw;
  const root: unknown = structuredClone(raw);
  if (!isContainer(root)) cannot(sets[0], `the config is ${describe(root)}, not an object`);
  for (const arg of sets) {
    const { segments, value } = parseSet(arg);
    let node: Container = root;
    let baseNode: unknown = base;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const at = segments.slice(0, i).join(".") || "the config";
      const last = i === segments.length - 1;
      baseNode = childOf(baseNode, segment);
      let next: unknown = last ? value : childOf(node, segment);
      if (!last && next === undefined) next = Array.isArray(baseNode) ? structuredClone(baseNode) : {};
      if (Array.isArray(node)) {
        if (!INDEX.test(segment)) cannot(arg, `${at} is an array; ${JSON.stringify(segment)} is not an index`);
        const index = Number(segment);
        // Writing past the end would leave holes, which JSON cannot hold.
        if (index > node.length) cannot(arg, `index ${index} is past the end of ${at} (length ${node.length})`);
        node[index] = next;
      } else {
        node[segment] = next;
      }
      if (last) break;
      if (!isContainer(next)) {
        cannot(arg, `${segments.slice(0, i + 1).join(".")} is ${describe(next)}, not an object or array`);
      }
      node = next;
    }
  }
  return root;
}
