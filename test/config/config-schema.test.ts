import * as Schema from "effect/Schema";
import { describe, expect, it } from "vitest";

import { ConfigError } from "../../src/errors.ts";
import { ROOT, atLeast, atMost, above, below, decodeConfig, fieldPath, Finite, Int, matches, maxChars, maxItems, minItems, uniqueItems, withDefaults } from "../../src/config/config-schema.ts";
import { configError } from "./helpers.ts";

/** Decode `value` with `schema` as a value that sits at `at` (the whole config when omitted). */
const decode = (schema: Schema.Decoder<unknown>, value: unknown, ...at: string[]): unknown => decodeConfig(schema)(value, at);

describe("ConfigError", () => {
  it("carries path and reason and prints them as '<path>: <reason>'", () => {
    const e = new ConfigError("trainer.g.lr", "must be > 0, got 0");
    expect(e).toBeInstanceOf(Error);
    expect(e.path).toBe("trainer.g.lr");
    expect(e.reason).toBe("must be > 0, got 0");
    expect(e.message).toBe("trainer.g.lr: must be > 0, got 0");
  });

  it("keeps its message on one line whatever the path or reason holds", () => {
    const e = new ConfigError("config", "cannot read\n  the file\r\n(twice)");
    expect(e.message).toBe("config: cannot read the file (twice)");
    expect(e.reason).toBe("cannot read\n  the file\r\n(twice)");
  });
});

describe("fieldPath", () => {
  it("joins plain keys with dots and quotes the others", () => {
    expect(fieldPath(ROOT, "seed")).toBe("seed");
    expect(fieldPath("trainer", "gamma")).toBe("trainer.gamma");
    expect(fieldPath("population.hyperparameters", "trainer.g.lr")).toBe('population.hyperparameters["trainer.g.lr"]');
    expect(fieldPath(ROOT, "a b")).toBe('config["a b"]');
    expect(fieldPath(ROOT, "a\nb")).toBe('config["a\\nb"]');
  });

  it("is what record uses for its keys", () => {
    const e = configError(() => decode(Schema.Record(Schema.String, Int), { "trainer.nD": "2" }, "hp"));
    expect(e.path).toBe('hp["trainer.nD"]');
  });

  it("names a record key that its key schema rejects, saying what a key must be", () => {
    const keys = Schema.Record(Schema.String.annotate({ expected: "a lowercase word" }).check(Schema.isPattern(/^[a-z]+$/)), Int);
    const e = configError(() => decode(keys, { ok: 1, "Not ok": 2 }, "hp"));
    expect(e.path).toBe('hp["Not ok"]');
    expect(e.reason).toBe("is not a valid key (expected a lowercase word)");
  });
});

describe("a union of structs told apart by a literal field", () => {
  const shape = Schema.Union([Schema.Struct({ kind: Schema.Literal("a"), x: Int }), Schema.Struct({ kind: Schema.Literal("b"), y: Int })]);

  it("names the field of the variant given, not of the last one tried", () => {
    expect(configError(() => decode(shape, { kind: "a", x: 1, z: 2 }, "s")).path).toBe("s.z");
    expect(configError(() => decode(shape, { kind: "b", x: 1 }, "s")).path).toBe("s.x");
  });

  it("without a fallback, requires the tag and lists the allowed ones", () => {
    const e = configError(() => decode(shape, { x: 1 }, "s"));
    expect(e.path).toBe("s.kind");
    expect(e.reason).toBe('is required (one of "a", "b")');
  });

  it("names an unknown tag, and says a non-object is not an object", () => {
    expect(configError(() => decode(shape, { kind: "c" }, "s")).reason).toBe('expected one of "a", "b", got string "c"');
    expect(configError(() => decode(shape, [], "s")).reason).toBe("expected an object, got array of length 0");
  });
});

describe("Finite", () => {
  it("accepts finite numbers within bounds", () => {
    expect(decode(Finite.check(atLeast(0), atMost(1)), 0.25, "x")).toBe(0.25);
  });

  it("rejects a string, quoting it in the reason", () => {
    const e = configError(() => decode(Finite, "abc", "a", "b"));
    expect(e.path).toBe("a.b");
    expect(e.reason).toBe('expected a number, got string "abc"');
  });

  it("rejects NaN and Infinity", () => {
    expect(configError(() => decode(Finite, Number.NaN, "x")).reason).toMatch(/finite/);
    expect(configError(() => decode(Finite, Number.POSITIVE_INFINITY, "x")).reason).toMatch(/finite/);
    expect(configError(() => decode(Finite, Number.NEGATIVE_INFINITY, "x")).reason).toMatch(/finite/);
  });

  it("enforces inclusive and exclusive bounds", () => {
    expect(configError(() => decode(Finite.check(atLeast(0)), -1, "x")).reason).toBe("must be >= 0, got -1");
    expect(configError(() => decode(Finite.check(atMost(1)), 2, "x")).reason).toBe("must be <= 1, got 2");
    expect(configError(() => decode(Finite.check(above(0)), 0, "x")).reason).toBe("must be > 0, got 0");
    expect(configError(() => decode(Finite.check(below(1)), 1, "x")).reason).toBe("must be < 1, got 1");
    expect(decode(Finite.check(below(1)), 0.999, "x")).toBe(0.999);
  });
});

describe("Int", () => {
  it("rejects fractions and out-of-range values", () => {
    expect(decode(Int, 3, "x")).toBe(3);
    expect(configError(() => decode(Int, 1.5, "x")).reason).toBe("expected an integer, got number 1.5");
    expect(configError(() => decode(Int.check(atLeast(1), atMost(16)), 17, "x")).reason).toBe("must be <= 16, got 17");
  });

  it("says an integer was expected of a value of another type", () => {
    expect(configError(() => decode(Int, "1", "x")).reason).toBe('expected an integer, got string "1"');
  });
});

describe("booleans, strings, literals", () => {
  it("Boolean accepts only booleans", () => {
    expect(decode(Schema.Boolean, false, "x")).toBe(false);
    expect(configError(() => decode(Schema.Boolean, "true", "x")).reason).toBe('expected a boolean, got string "true"');
  });

  it("a string checks its maximum length and says what its pattern means when given in words", () => {
    expect(configError(() => decode(Schema.String.check(maxChars(3)), "abcd", "x")).reason).toBe("must have at most 3 characters, got 4");
    expect(configError(() => decode(Schema.String.check(matches(/^a$/, "be the letter a")), "b", "x")).reason).toBe('must be the letter a, got string "b"');
  });

  it("a string checks its pattern", () => {
    const s = Schema.String.check(matches(/^[a-z]+$/));
    expect(decode(s, "abc", "x")).toBe("abc");
    expect(configError(() => decode(s, "a/b", "x")).reason).toMatch(/must match .*a\/b/);
  });

  it("Literals list the allowed values when they reject", () => {
    const e = configError(() => decode(Schema.Literals(["ring8", "grid25"]), "grid9", "task", "dataset"));
    expect(e.path).toBe("task.dataset");
    expect(e.reason).toBe('expected one of "ring8", "grid25", got string "grid9"');
  });
});

describe("arrays", () => {
  const a = Schema.Array(Int.check(atLeast(1))).check(minItems(1), maxItems(3), uniqueItems);

  it("names the failing element by index", () => {
    const e = configError(() => decode(a, [1, 0], "model", "gHidden"));
    expect(e.path).toBe("model.gHidden[1]");
  });

  it("enforces length bounds", () => {
    expect(configError(() => decode(a, [], "x")).reason).toMatch(/at least 1/);
    expect(configError(() => decode(a, [1, 2, 3, 4], "x")).reason).toMatch(/at most 3/);
  });

  it("rejects a duplicate, naming it and its first occurrence", () => {
    const e = configError(() => decode(a, [1, 2, 1], "x"));
    expect(e.path).toBe("x[2]");
    expect(e.reason).toBe("duplicate of x[0] (1)");
  });

  it("reports holes in a sparse array instead of skipping them", () => {
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    expect(configError(() => decode(a, sparse, "x")).path).toBe("x[1]");
  });
});

describe("structs", () => {
  const inner = Schema.Struct(withDefaults({ lr: Finite.check(above(0)) }, { lr: 1e-4 }));
  const s = Schema.Struct(withDefaults({ seed: Int, label: Schema.UndefinedOr(Schema.String), g: inner }, { label: undefined, g: { lr: 1e-4 } }));

  it("fills defaults for missing fields and requires fields without one", () => {
    expect(decode(s, { seed: 3 })).toEqual({ seed: 3, label: undefined, g: { lr: 1e-4 } });
    const e = configError(() => decode(s, {}));
    expect(e.path).toBe("seed");
    expect(e.reason).toBe("is required");
  });

  it("treats a field given as undefined as not given", () => {
    expect(decode(s, { seed: 3, g: undefined })).toEqual({ seed: 3, label: undefined, g: { lr: 1e-4 } });
    expect(configError(() => decode(s, { seed: undefined })).reason).toBe("is required");
  });

  it("rejects unknown keys, listing the allowed ones", () => {
    const e = configError(() => decode(s, { seed: 1, g: { lr: 1, lrr: 2 } }));
    expect(e.path).toBe("g.lrr");
    expect(e.reason).toBe("unknown key (allowed: lr)");
  });

  it("names nested fields by dot-path, top-level ones without a prefix", () => {
    expect(configError(() => decode(s, { seed: 1, g: { lr: "x" } })).path).toBe("g.lr");
    expect(configError(() => decode(s, { seed: "1" })).path).toBe("seed");
  });

  it("checks a default like a given value, and names a bad given value by its own type", () => {
    expect(configError(() => decode(Schema.Struct(withDefaults({ n: Int.check(atLeast(0)) }, { n: 1 })), { n: "x" })).reason).toBe('expected an integer, got string "x"');
  });

  it("calls the whole config `config` when it is not an object", () => {
    for (const bad of [null, [], "x", 3]) {
      const e = configError(() => decode(s, bad));
      expect(e.path).toBe("config");
      expect(e.reason).toMatch(/^expected an object, got /);
    }
  });

  it("does not share default arrays between decodes", () => {
    const withList = Schema.Struct(withDefaults({ xs: Schema.Array(Int) }, { xs: [1, 2] }));
    const first = decode(withList, {}) as { xs: unknown };
    expect(first.xs).not.toBe((decode(withList, {}) as { xs: unknown }).xs);
  });
});
