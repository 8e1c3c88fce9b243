import { describe, expect, it } from "vitest";

import { jsonSyntaxError } from "../../src/config/json-syntax-error.ts";

describe("jsonSyntaxError", () => {
  it("finds nothing wrong in valid JSON", () => {
    for (const text of ['{"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"]}', " [] ", '"x"', "0"]) {
      expect(jsonSyntaxError(text)).toBeUndefined();
    }
  });

  it("gives the line and column of an unexpected token that JSON.parse reports without a position", () => {
    expect(jsonSyntaxError('{\n  "a": [1,\n   ,2]}')).toEqual({ offset: 16, problem: "unexpected ','", line: 3, column: 4 });
  });

  it("names the usual mistakes: trailing commas, comments, single quotes, a missing comma, an early end", () => {
    expect(jsonSyntaxError('{"a": 1,}')?.problem).toBe('trailing comma before "}"');
    expect(jsonSyntaxError("[1,]")?.problem).toBe('trailing comma before "]"');
    expect(jsonSyntaxError('// note\n{}')?.problem).toBe("comments are not allowed in JSON");
    expect(jsonSyntaxError("{\"a\": 'b'}")?.problem).toBe("JSON strings need double quotes, not '");
    expect(jsonSyntaxError('{"a": 1 "b": 2}')).toMatchObject({ column: 9, problem: `expected "," or "}" after a property value, got '"'` });
    expect(jsonSyntaxError('{"a": 1')).toMatchObject({ offset: 7, problem: "unexpected end of input" });
    expect(jsonSyntaxError('{"a": "x\ny"}')?.problem).toMatch(/line break or control character inside a string/);
    expect(jsonSyntaxError("\uFEFF{}")?.problem).toBe("unexpected U+FEFF");
  });

  it("agrees with JSON.parse on what is valid", () => {
    const texts = ['{"a":1}}', "01", "[1 2]", '{"a" 1}', "-", "1.", ".5", "1e", '"\\x"', "tru", "nul", '{"a":{"b":[{}]}}', "[[[]]]", "  "];
    for (const text of texts) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect({ text, valid: jsonSyntaxError(text) === undefined }).toEqual({ text, valid });
    }
  });
});
