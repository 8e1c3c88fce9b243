// The pieces every config schema is built from (effect/Schema), and the one formatter that turns a
// failed decode into a ConfigError naming the field by its dot-path (`trainer.g.lr`,
// `trainer.mutations[2]`; the config as a whole is `config`). A config is plain JSON data: a
// decode stops at the first problem, rejects unknown keys, and says what it got
// (`trainer.g.lr: expected a number, got string "fast"`).
//
// Messages live with the checks that make them: a check fails with its whole reason
// (`must be >= 0, got -1`). The formatter only adds what a schema cannot know about itself: the
// path, "expected <what>, got <value>" for a wrong type, "is required" and "unknown key".
//
// effect/Schema and its siblings rather than the "effect" barrel, like src/errors.ts: importing
// a config module must not cost the whole barrel.

import * as Effect from "effect/Effect";
import * as Schema from "effect/Schema";
import * as SchemaAST from "effect/SchemaAST";
import * as SchemaIssue from "effect/SchemaIssue";
import * as SchemaParser from "effect/SchemaParser";

import { ConfigError } from "../errors.ts";
import { firstProblem, type SchemaProblem } from "../schema-problem.ts";

// ---- values and paths in messages -----------------------------------------------------------------

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

/** The path of the whole config (printed as `config`). */
export const ROOT = "";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function shown(path: string): string {
  return path === ROOT ? "config" : path;
}

/**
 * `a.b` for a plain key; a key that is not an identifier (a dot path such as a hyperparameter's
 * `trainer.g.lr`, a space, a line break) is quoted: `population.hyperparameters["trainer.g.lr"]`.
 */
export function fieldPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${shown(path)}[${JSON.stringify(key)}]`;
  return path === ROOT ? key : `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
  return `${shown(path)}[${index}]`;
}

/** Segment patterns of a printed path: `.key`, `[2]`, `["a key"]` (a JSON string). */
const PATH_SEGMENT = /\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

/**
 * The keys of a path as fieldPath and indexPath print it (`trainer.mutations[2]`,
 * `population.hyperparameters["trainer.g.lr"]`; `config` is the root, []); undefined for a
 * path that is not one (a member's `population.members[0] (m0) trainer.g.lr`, `--set`).
 */
export function pathKeys(path: string): (string | number)[] | undefined {
  const keys: (string | number)[] = [];
  const first = /^(?:config(?=\[|$)|([A-Za-z_$][A-Za-z0-9_$]*))/.exec(path);
  if (first === null) return undefined;
  if (first[1] !== undefined) keys.push(first[1]);
  PATH_SEGMENT.lastIndex = first[0].length;
  while (PATH_SEGMENT.lastIndex < path.length) {
    const m = PATH_SEGMENT.exec(path);
    if (m === null) return undefined;
    keys.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
  }
  return keys;
}

function pathOf(keys: readonly PropertyKey[]): string {
  return keys.reduce<string>((at, key) => (typeof key === "number" ? indexPath(at, key) : fieldPath(at, String(key))), ROOT);
}

// ---- checks, each failing with its whole reason ------------------------------------------------

export const atLeast = (min: number) => Schema.makeFilter((n: number) => n >= min || `must be >= ${min}, got ${n}`);
export const atMost = (max: number) => Schema.makeFilter((n: number) => n <= max || `must be <= ${max}, got ${n}`);
export const above = (min: number) => Schema.makeFilter((n: number) => n > min || `must be > ${min}, got ${n}`);
export const below = (max: number) => Schema.makeFilter((n: number) => n < max || `must be < ${max}, got ${n}`);

export const minItems = (n: number) => Schema.makeFilter((a: readonly unknown[]) => a.length >= n || `must have at least ${n} element(s), got ${a.length}`);
export const maxItems = (n: number) => Schema.makeFilter((a: readonly unknown[]) => a.length <= n || `must have at most ${n} element(s), got ${a.length}`);

/** No element equal (as JSON) to an earlier one; the later one is named. */
export const uniqueItems = Schema.makeFilter((a: readonly unknown[]) => {
  const seen = new Map<string, number>();
  for (let i = 0; i < a.length; i++) {
    const key = JSON.stringify(a[i]);
    const first = seen.get(key);
    if (first !== undefined) return { path: [i], issue: failureAt((at) => `duplicate of ${indexPath(at, first)} (${key})`) };
    seen.set(key, i);
  }
  return undefined;
});

export const minChars = (n: number) => Schema.makeFilter((s: string) => s.length >= n || `must have at least ${n} character(s), got ${describe(s)}`);
export const maxChars = (n: number) => Schema.makeFilter((s: string) => s.length <= n || `must have at most ${n} characters, got ${s.length}`);
/** `words` says what a value must do to match, in place of the regex: "be a file-name-safe name". */
export const matches = (pattern: RegExp, words = `match ${String(pattern)}`) => Schema.makeFilter((s: string) => pattern.test(s) || `must ${words}, got ${describe(s)}`);

// ---- base schemas ------------------------------------------------------------------------------

/** A finite number (NaN and ±Infinity are rejected). */
export const Finite = Schema.Number.check(Schema.makeFilter((n: number) => Number.isFinite(n) || `expected a finite number, got ${n}`));

/** A safe integer. */
export const Int = Schema.Number.annotate({ expected: "an integer" }).check(Schema.makeFilter((n: number) => Number.isSafeInteger(n) || `expected an integer, got ${describe(n)}`));

/**
 * `fields` with a decoding default for every key of `defaults`: a missing (or undefined) field
 * decodes its default, so the default is checked and copied like a given value.
 */
export function withDefaults<const F extends Schema.Struct.Fields, const D extends { readonly [K in keyof F]?: F[K]["Encoded"] }>(fields: F, defaults: D): WithDefaults<F, D> {
  const out: Record<PropertyKey, Schema.Constraint> = {};
  for (const key of Reflect.ownKeys(fields)) {
    const field = fields[key];
    out[key] = Object.hasOwn(defaults, key) ? Schema.withDecodingDefault(Effect.succeed(defaults[key as keyof D]))(field) : field;
  }
  return out as WithDefaults<F, D>;
}

export type WithDefaults<F extends Schema.Struct.Fields, D> = { readonly [K in keyof F]: K extends keyof D ? Schema.withDecodingDefault<F[K]> : F[K] };

// ---- failures a check builds itself --------------------------------------------------------------

/** A failure whose reason names a path relative to the checked value; `at` is that value's path. */
export function failureAt(reason: (at: string) => string): SchemaIssue.Issue {
  return new SchemaIssue.InvalidValue({ reason });
}

/** A problem found by decoding something nested (a sweep member's run config), reported as it is. */
export function configFailure(error: ConfigError): SchemaIssue.Issue {
  return new SchemaIssue.InvalidValue({ message: error.reason, configPath: error.path });
}

// ---- the formatter -------------------------------------------------------------------------------

/** What was expected, in words, for "expected <words>, got <value>". */
function expected(ast: SchemaAST.AST): string {
  const words = ast.annotations?.expected;
  if (typeof words === "string") return words;
  switch (ast._tag) {
    case "Number":
      return "a number";
    case "String":
      return "a string";
    case "Boolean":
      return "a boolean";
    case "Objects":
      return "an object";
    case "Arrays":
      return "an array";
    case "Literal":
      return `one of ${JSON.stringify(ast.literal)}`;
    case "Union": {
      const types = ast.types.filter((t) => t._tag !== "Undefined");
      if (types.every(SchemaAST.isLiteral)) return `one of ${types.map((t) => JSON.stringify(t.literal)).join(", ")}`;
      return types.map(expected).join(" or ");
    }
    default:
      return ast._tag.toLowerCase();
  }
}

/** The key and allowed values of a union of structs told apart by one literal field, if it is one. */
function tagOf(ast: SchemaAST.AST): { readonly key: string; readonly values: readonly string[] } | undefined {
  if (ast._tag !== "Union" || ast.types.length === 0) return undefined;
  const literalsOf = (t: SchemaAST.AST) => (t._tag === "Objects" ? t.propertySignatures.filter((p) => SchemaAST.isLiteral(p.type)) : []);
  for (const candidate of literalsOf(ast.types[0])) {
    const key = String(candidate.name);
    const values = ast.types.map((t) => literalsOf(t).find((p) => p.name === candidate.name));
    if (values.every((p) => p !== undefined)) return { key, values: values.map((p) => String(SchemaAST.isLiteral(p.type) ? p.type.literal : "")) };
  }
  return undefined;
}

interface Found {
  readonly path: string;
  readonly reason: string;
}

/** A value of the wrong type: "expected <words>, got <value>", or what is missing. */
function wrongType(ast: SchemaAST.AST | undefined, input: unknown, keys: readonly PropertyKey[]): Found {
  // A field given as undefined is a field not given.
  if (input === undefined && typeof keys.at(-1) === "string") return { path: pathOf(keys), reason: "is required" };
  const tag = ast === undefined ? undefined : tagOf(ast);
  if (tag !== undefined && isPlainObject(input)) {
    const allowed = tag.values.map((v) => JSON.stringify(v)).join(", ");
    const value = input[tag.key];
    const at = pathOf([...keys, tag.key]);
    if (value === undefined) return { path: at, reason: `is required (one of ${allowed})` };
    return { path: at, reason: `expected one of ${allowed}, got ${describe(value)}` };
  }
  const words = tag !== undefined ? "an object" : ast === undefined ? "a valid value" : expected(ast);
  return { path: pathOf(keys), reason: `expected ${words}, got ${describe(input)}` };
}

/** The path and reason of a decode's first problem. */
function found({ keys, checked, ast, issue }: SchemaProblem): Found {
  const path = pathOf(keys);
  switch (issue._tag) {
    case "InvalidType":
    case "AnyOf":
      return wrongType(ast, SchemaIssue.hasInput(issue) ? issue.input : undefined, keys);
    case "MissingKey":
      return { path, reason: "is required" };
    case "UnexpectedKey": {
      const objects = issue.ast._tag === "Objects" ? issue.ast : undefined;
      const index = objects?.indexSignatures[0];
      if (index !== undefined) return { path, reason: `is not a valid key (expected ${expected(index.parameter)})` };
      return { path, reason: `unknown key (allowed: ${(objects?.propertySignatures ?? []).map((p) => String(p.name)).join(", ")})` };
    }
    case "InvalidValue": {
      // A check's own reason (failureAt, configFailure above, or a plain string).
      const { message, reason, configPath } = issue.annotations ?? {};
      if (typeof configPath === "string" && typeof message === "string") return { path: configPath, reason: message };
      if (typeof reason === "function") return { path, reason: String(reason(pathOf(checked))) };
      if (typeof message === "string") return { path, reason: message };
      return { path, reason: SchemaIssue.makeFormatterDefault()(issue) };
    }
    default:
      return { path, reason: SchemaIssue.makeFormatterDefault()(issue) };
  }
}

/** The formatter: the ConfigError of a failed decode of a value that sits at `at` (the whole config when empty). */
export function configErrorOf(issue: SchemaIssue.Issue, at: readonly PropertyKey[] = []): ConfigError {
  const { path, reason } = found(firstProblem(issue, at));
  return new ConfigError(shown(path), reason);
}

/** Stop at the first problem, reject unknown keys, and keep the rejected value for the message. */
const PARSE_OPTIONS = { errors: "first", onExcessProperty: "error", reportInput: true } as const;

/** A decoder that returns the decoded value or throws the ConfigError of its first problem. */
export function decodeConfig<S extends Schema.ConstraintDecoder<unknown>>(schema: S): (value: unknown, at?: readonly PropertyKey[]) => S["Type"] {
  const decode = SchemaParser.decodeUnknownResult(schema, PARSE_OPTIONS);
  return (value, at = []) => {
    const result = decode(value);
    if (result._tag === "Failure") throw configErrorOf(result.failure, at);
    return result.success;
  };
}
