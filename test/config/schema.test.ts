import { describe, expect, it } from "vitest";

import { ConfigError } from "../../src/errors.ts";
import {
  ROOT,
  array,
  bool,
  fieldPath,
  int,
  literal,
  num,
  optional,
  record,
  str,
  struct,
  tagged,
} from "../../src/config/schema.ts";
import { configError } from "./helpers.ts";

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
    const e = configError(() => record(int()).decode({ "trainer.nD": "2" }, "hp"));
    expect(e.path).toBe('hp["trainer.nD"]');
  });
});

describe("tagged", () => {
  const shape = tagged<unknown>("kind", undefined, { a: struct({ kind: literal("a"), x: int() }), b: struct({ kind: literal("b"), y: int() }) });

  it("names the field of the variant given, not of the last one tried", () => {
    expect(configError(() => shape.decode({ kind: "a", x: 1, z: 2 }, "s")).path).toBe("s.z");
    expect(configError(() => shape.decode({ kind: "b", x: 1 }, "s")).path).toBe("s.x");
  });

  it("without a fallback, requires the tag and lists the allowed ones", () => {
    const e = configError(() => shape.decode({ x: 1 }, "s"));
    expect(e.path).toBe("s.kind");
    expect(e.reason).toBe('is required (one of "a", "b")');
  });
});

describe("num", () => {
  it("accepts finite numbers within bounds", () => {
    expect(num({ min: 0, max: 1 }).decode(0.25, "x")).toBe(0.25);
  });

  it("rejects a string, quoting it in the reason", () => {
    const e = configError(() => num().decode("abc", "a.b"));
    expect(e.path).toBe("a.b");
    expect(e.reason).toBe('expected a number, got string "abc"');
  });

  it("rejects NaN and Infinity", () => {
    expect(configError(() => num().decode(Number.NaN, "x")).reason).toMatch(/finite/);
    expect(configError(() => num().decode(Number.POSITIVE_INFINITY, "x")).reason).toMatch(/finite/);
    expect(configError(() => num().decode(Number.NEGATIVE_INFINITY, "x")).reason).toMatch(/finite/);
  });

  it("enforces inclusive and exclusive bounds", () => {
    expect(configError(() => num({ min: 0 }).decode(-1, "x")).reason).toBe("must be >= 0, got -1");
    expect(configError(() => num({ max: 1 }).decode(2, "x")).reason).toBe("must be <= 1, got 2");
    expect(configError(() => num({ exclusiveMin: 0 }).decode(0, "x")).reason).toBe("must be > 0, got 0");
    expect(configError(() => num({ exclusiveMax: 1 }).decode(1, "x")).reason).toBe("must be < 1, got 1");
    expect(num({ exclusiveMax: 1 }).decode(0.999, "x")).toBe(0.999);
  });
});

describe("int", () => {
  it("rejects fractions and out-of-range values", () => {
    expect(int().decode(3, "x")).toBe(3);
    expect(configError(() => int().decode(1.5, "x")).reason).toBe("expected an integer, got number 1.5");
    expect(configError(() => int({ min: 1, max: 16 }).decode(17, "x")).reason).toBe("must be <= 16, got 17");
  });
});

describe("bool, str, literal", () => {
  it("bool accepts only booleans", () => {
    expect(bool().decode(false, "x")).toBe(false);
    expect(configError(() => bool().decode("true", "x")).reason).toBe('expected a boolean, got string "true"');
  });

  it("str checks its maximum length and says what its pattern means when given in words", () => {
    expect(configError(() => str({ maxLength: 3 }).decode("abcd", "x")).reason).toBe("must have at most 3 characters, got 4");
    expect(configError(() => str({ pattern: /^a$/, patternText: "be the letter a" }).decode("b", "x")).reason).toBe('must be the letter a, got string "b"');
  });

  it("str checks its pattern", () => {
    const s = str({ pattern: /^[a-z]+$/ });
    expect(s.decode("abc", "x")).toBe("abc");
    expect(configError(() => s.decode("a/b", "x")).reason).toMatch(/must match .*a\/b/);
  });

  it("literal lists the allowed values when it rejects", () => {
    const e = configError(() => literal("ring8", "grid25").decode("grid9", "task.dataset"));
    expect(e.path).toBe("task.dataset");
    expect(e.reason).toBe('expected one of "ring8", "grid25", got string "grid9"');
  });
});

describe("array", () => {
  const a = array(int({ min: 1 }), { minLength: 1, maxLength: 3, unique: true });

  it("names the failing element by index", () => {
    const e = configError(() => a.decode([1, 0], "model.gHidden"));
    expect(e.path).toBe("model.gHidden[1]");
  });

  it("enforces length bounds", () => {
    expect(configError(() => a.decode([], "x")).reason).toMatch(/at least 1/);
    expect(configError(() => a.decode([1, 2, 3, 4], "x")).reason).toMatch(/at most 3/);
  });

  it("rejects a duplicate, naming it and its first occurrence", () => {
    const e = configError(() => a.decode([1, 2, 1], "x"));
    expect(e.path).toBe("x[2]");
    expect(e.reason).toBe("duplicate of x[0] (1)");
  });

  it("reports holes in a sparse array instead of skipping them", () => {
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    expect(configError(() => a.decode(sparse, "x")).path).toBe("x[1]");
  });
});

describe("struct", () => {
  const inner = struct({ lr: num({ exclusiveMin: 0 }) }, { lr: 1e-4 });
  const s = struct({ seed: int(), label: optional(str()), g: inner }, { g: { lr: 1e-4 } });

  it("fills defaults for missing fields and requires fields without one", () => {
    expect(s.decode({ seed: 3 }, ROOT)).toEqual({ seed: 3, label: undefined, g: { lr: 1e-4 } });
    const e = configError(() => s.decode({}, ROOT));
    expect(e.path).toBe("seed");
    expect(e.reason).toBe("is required");
  });

  it("rejects unknown keys, listing the allowed ones", () => {
    const e = configError(() => s.decode({ seed: 1, g: { lr: 1, lrr: 2 } }, ROOT));
    expect(e.path).toBe("g.lrr");
    expect(e.reason).toBe("unknown key (allowed: lr)");
  });

  it("names nested fields by dot-path, top-level ones without a prefix", () => {
    expect(configError(() => s.decode({ seed: 1, g: { lr: "x" } }, ROOT)).path).toBe("g.lr");
    expect(configError(() => s.decode({ seed: "1" }, ROOT)).path).toBe("seed");
  });

  it("calls the whole config `config` when it is not an object", () => {
    for (const bad of [null, [], "x", 3]) {
      const e = configError(() => s.decode(bad, ROOT));
      expect(e.path).toBe("config");
      expect(e.reason).toMatch(/^expected an object, got /);
    }
  });

  it("does not share default arrays between decodes", () => {
    const withList = struct({ xs: array(int()) }, { xs: [1, 2] });
    const first = withList.decode({}, ROOT);
    expect(first.xs).not.toBe(withList.decode({}, ROOT).xs);
  });
});
