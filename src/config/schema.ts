// A tiny schema combinator kit for run configs. A config is plain JSON data; decoding checks it
// and returns a typed value, or throws a ConfigError that names the offending field by its
// dot-path (`trainer.g.lr`, `trainer.mutations[2]`). Top-level fields have no prefix; the
// config as a whole (path "") is reported as `config`.

import { ConfigError } from "../errors.ts";

export interface Schema<T> {
  decode(value: unknown, path: string): T;
  /** A struct field with this schema may be missing without a default; it then decodes to `undefined`. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** The path of the whole config. */
export const ROOT = "";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `a.b` for a plain key; a key that is not an identifier (a dot path such as a hyperparameter's
 * `trainer.g.lr`, a space, a line break) is quoted: `population.hyperparameters["trainer.g.lr"]`.
 */
export function fieldPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${displayPath(path)}[${JSON.stringify(key)}]`;
  return path === ROOT ? key : `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
  return `${displayPath(path)}[${index}]`;
}

function displayPath(path: string): string {
  return path === ROOT ? "config" : path;
}

export function fail(path: string, reason: string): never {
  throw new ConfigError(displayPath(path), reason);
}

/** A short description of a value for error messages: `string "abc"`, `number 3`, `object`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `array of length ${value.length}`;
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
    case "number":
      return `number ${String(value)}`;
    case "boolean":
      return `boolean ${String(value)}`;
    case "object":
      return "object";
    default:
      return typeof value;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface NumOptions {
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: number;
  readonly exclusiveMax?: number;
}

function checkRange(value: number, path: string, o: NumOptions): void {
  if (o.min !== undefined && value < o.min) fail(path, `must be >= ${o.min}, got ${value}`);
  if (o.max !== undefined && value > o.max) fail(path, `must be <= ${o.max}, got ${value}`);
  if (o.exclusiveMin !== undefined && value <= o.exclusiveMin) {
    fail(path, `must be > ${o.exclusiveMin}, got ${value}`);
  }
  if (o.exclusiveMax !== undefined && value >= o.exclusiveMax) {
    fail(path, `must be < ${o.exclusiveMax}, got ${value}`);
  }
}

/** A finite number (NaN and ±Infinity are rejected). */
export function num(options: NumOptions = {}): Schema<number> {
  return {
    decode(value, path) {
      if (typeof value !== "number") fail(path, `expected a number, got ${describe(value)}`);
      if (!Number.isFinite(value)) fail(path, `expected a finite number, got ${value}`);
      checkRange(value, path, options);
      return value;
    },
  };
}

/** A safe integer. */
export function int(options: { readonly min?: number; readonly max?: number } = {}): Schema<number> {
  return {
    decode(value, path) {
      if (typeof value !== "number") fail(path, `expected an integer, got ${describe(value)}`);
      if (!Number.isSafeInteger(value)) fail(path, `expected an integer, got ${describe(value)}`);
      checkRange(value, path, options);
      return value;
    },
  };
}

export function bool(): Schema<boolean> {
  return {
    decode(value, path) {
      if (typeof value !== "boolean") fail(path, `expected a boolean, got ${describe(value)}`);
      return value;
    },
  };
}

export interface StrOptions {
  readonly pattern?: RegExp;
  /** What a value that does not match the pattern must be, in words (said instead of the regex). */
  readonly patternText?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export function str(options: StrOptions = {}): Schema<string> {
  return {
    decode(value, path) {
      if (typeof value !== "string") fail(path, `expected a string, got ${describe(value)}`);
      if (options.minLength !== undefined && value.length < options.minLength) {
        fail(path, `must have at least ${options.minLength} character(s), got ${describe(value)}`);
      }
      if (options.maxLength !== undefined && value.length > options.maxLength) {
        fail(path, `must have at most ${options.maxLength} characters, got ${value.length}`);
      }
      if (options.pattern !== undefined && !options.pattern.test(value)) {
        fail(path, `must ${options.patternText ?? `match ${String(options.pattern)}`}, got ${describe(value)}`);
      }
      return value;
    },
  };
}

/** One of a fixed set of strings. */
export function literal<const V extends readonly string[]>(...values: V): Schema<V[number]> {
  const allowed = values.map((v) => JSON.stringify(v)).join(", ");
  return {
    decode(value, path) {
      for (const v of values) if (value === v) return v;
      return fail(path, `expected one of ${allowed}, got ${describe(value)}`);
    },
  };
}

export interface ArrayOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Reject elements equal (as JSON) to an earlier one. */
  readonly unique?: boolean;
}

export function array<T>(item: Schema<T>, options: ArrayOptions = {}): Schema<readonly T[]> {
  return {
    decode(value, path) {
      if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
      const { minLength, maxLength } = options;
      if (minLength !== undefined && value.length < minLength) {
        fail(path, `must have at least ${minLength} element(s), got ${value.length}`);
      }
      if (maxLength !== undefined && value.length > maxLength) {
        fail(path, `must have at most ${maxLength} element(s), got ${value.length}`);
      }
      const out: T[] = [];
      // An indexed loop, not map(): a sparse array's holes must be reported, not skipped.
      for (let i = 0; i < value.length; i++) out.push(item.decode(value[i], indexPath(path, i)));
      if (options.unique) {
        const seen = new Map<string, number>();
        out.forEach((v, i) => {
          const key = JSON.stringify(v);
          const first = seen.get(key);
          if (first !== undefined) fail(indexPath(path, i), `duplicate of ${indexPath(path, first)} (${key})`);
          seen.set(key, i);
        });
      }
      return out;
    },
  };
}

type Fields = Record<string, Schema<unknown>>;

export type StructOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** Defaults are decoded values; a missing field decodes its default (so the default is checked and copied). */
export type StructDefaults<F extends Fields> = { readonly [K in keyof F]?: Infer<F[K]> };

/**
 * An object with exactly these keys. A missing key takes its default; with no default it is
 * required unless its schema is `optional`. Unknown keys are rejected (a typo must not silently
 * fall back to a default).
 */
export function struct<F extends Fields>(fields: F, defaults: StructDefaults<F> = {}): Schema<StructOf<F>> {
  const keys = Object.keys(fields);
  return {
    decode(value, path) {
      if (!isPlainObject(value)) fail(path, `expected an object, got ${describe(value)}`);
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(fields, key)) fail(fieldPath(path, key), `unknown key (allowed: ${keys.join(", ")})`);
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const schema = fields[key];
        const at = fieldPath(path, key);
        const given = Object.hasOwn(value, key) ? value[key] : undefined;
        const fallback: unknown = defaults[key];
        if (given !== undefined) out[key] = schema.decode(given, at);
        else if (fallback !== undefined) out[key] = schema.decode(fallback, at);
        else if (schema.optional) out[key] = undefined;
        else fail(at, "is required");
      }
      return out as StructOf<F>;
    },
  };
}

/** May be missing from its struct, with no default: decodes to `undefined` then. */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return {
    optional: true,
    decode: (value, path) => (value === undefined ? undefined : schema.decode(value, path)),
  };
}

/** Decode with `schema`, then transform (e.g. fill a default that depends on other fields). */
export function map<A, B>(schema: Schema<A>, f: (value: A, path: string) => B): Schema<B> {
  return { decode: (value, path) => f(schema.decode(value, path), path) };
}

/** An object with arbitrary keys (matching `keyPattern`) whose values all decode with `value`. */
export function record<T>(value: Schema<T>, o: { keyPattern?: RegExp; keyText?: string; minKeys?: number } = {}): Schema<Readonly<Record<string, T>>> {
  return {
    decode(input, path) {
      if (!isPlainObject(input)) fail(path, `expected an object, got ${describe(input)}`);
      const out: Record<string, T> = {};
      const keys = Object.keys(input);
      if (o.minKeys !== undefined && keys.length < o.minKeys) fail(path, `needs at least ${o.minKeys} entr${o.minKeys === 1 ? "y" : "ies"}`);
      for (const key of keys) {
        if (o.keyPattern && !o.keyPattern.test(key)) fail(fieldPath(path, key), `is not a valid key (expected ${o.keyText ?? String(o.keyPattern)})`);
        out[key] = value.decode(input[key], fieldPath(path, key));
      }
      return out;
    },
  };
}

/** Any JSON value, passed through (checked later against what it configures). */
export function json(): Schema<unknown> {
  return { decode: (v) => v };
}

/** The first schema that decodes; errors of the last one are reported when none does. */
export function oneOf<T>(...schemas: Schema<T>[]): Schema<T> {
  return {
    decode(value, path) {
      let last: unknown;
      for (const s of schemas) {
        try {
          return s.decode(value, path);
        } catch (e) {
          last = e;
        }
      }
      throw last;
    },
  };
}

/**
 * A union of structs told apart by one string field (`key`), decoded by the struct of that tag;
 * a missing tag means `fallback` (with no fallback the tag is required). Errors come from the
 * chosen struct, so they name the real field.
 */
export function tagged<T>(key: string, fallback: string | undefined, variants: Readonly<Record<string, Schema<T>>>): Schema<T> {
  const tags = Object.keys(variants);
  const allowed = tags.map((t) => JSON.stringify(t)).join(", ");
  return {
    decode(value, path) {
      if (!isPlainObject(value)) fail(path, `expected an object, got ${describe(value)}`);
      const tag = value[key] ?? fallback;
      if (tag === undefined) fail(fieldPath(path, key), `is required (one of ${allowed})`);
      if (typeof tag !== "string" || !Object.hasOwn(variants, tag)) {
        fail(fieldPath(path, key), `expected one of ${allowed}, got ${describe(tag)}`);
      }
      return variants[tag].decode({ ...value, [key]: tag }, path);
    },
  };
}
