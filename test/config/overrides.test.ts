import { describe, expect, it } from "vitest";

import { applyOverrides } from "../../src/config/overrides.ts";
import { decodeRunConfig, defaultRunConfig, type MlpModelConfig, type RunConfig } from "../../src/config/run-config.ts";
import { configError } from "./helpers.ts";

function withSets(raw: unknown, ...sets: string[]) {
  return decodeRunConfig(applyOverrides(raw, sets, decodeRunConfig({})));
}

describe("--set overrides", () => {
  it("--set trainer.gamma=0.5 sets a number", () => {
    expect(withSets({}, "trainer.gamma=0.5").trainer.gamma).toBe(0.5);
  });

  it('--set trainer.mutations=["heuristic"] sets an array', () => {
    const c = withSets({}, 'trainer.mutations=["heuristic"]');
    expect(c.trainer.mutations).toEqual(["heuristic"]);
    // The rest of the section keeps its defaults.
    expect(c.trainer.gamma).toBe(2);
  });

  it("--set name=my-run takes a non-JSON value as a plain string", () => {
    expect(withSets({}, "name=my-run").name).toBe("my-run");
  });

  it("a quoted value stays a string even when it looks like a number", () => {
    const raw = applyOverrides({}, ['name="1e5"']);
    expect(raw).toEqual({ name: "1e5" });
  });

  it("--set model.gHidden.0=128 edits one element of the default widths", () => {
    expect(mlp(withSets({}, "model.gHidden.0=128")).gHidden).toEqual([128, 512, 512]);
    expect(mlp(withSets({}, "model.gHidden[2]=64")).gHidden).toEqual([512, 512, 64]);
  });

  it("edits an array given in the file, and may append one element", () => {
    const raw = { model: { dHidden: [32, 32] } };
    expect(mlp(withSets(raw, "model.dHidden.1=16")).dHidden).toEqual([32, 16]);
    expect(mlp(withSets(raw, "model.dHidden.2=8")).dHidden).toEqual([32, 32, 8]);
  });

  it("overrides the file's value and leaves the file's object untouched", () => {
    const raw = { trainer: { gamma: 1 } };
    expect(withSets(raw, "trainer.gamma=0").trainer.gamma).toBe(0);
    expect(raw).toEqual({ trainer: { gamma: 1 } });
  });

  it("applies sets in order, the last one winning", () => {
    expect(withSets({}, "seed=3", "seed=4").seed).toBe(4);
  });

  it("a value on the '=' side may itself contain '='", () => {
    expect(applyOverrides({}, ["name=a=b"])).toEqual({ name: "a=b" });
  });

  it("leaves a bad value to the schema, which names its path", () => {
    const e = configError(() => withSets({}, "trainer.gamma=-1"));
    expect(e.path).toBe("trainer.gamma");
    const typo = configError(() => withSets({}, "trainer.gama=1"));
    expect(typo.path).toBe("trainer.gama");
    const type = configError(() => withSets({}, "trainer.g.lr=fast"));
    expect(type.path).toBe("trainer.g.lr");
    expect(type.reason).toBe('expected a number, got string "fast"');
  });

  it("a --set without '=' is an error at path --set naming the argument", () => {
    const e = configError(() => applyOverrides({}, ["trainer.gamma"]));
    expect(e.path).toBe("--set");
    expect(e.reason).toMatch(/"trainer\.gamma"/);
  });

  it("a --set with an empty key or empty segment is an error naming it", () => {
    for (const arg of ["=3", "trainer..gamma=1", "trainer.=1"]) {
      const e = configError(() => applyOverrides({}, [arg]));
      expect(e.path).toBe("--set");
      expect(e.reason).toContain(JSON.stringify(arg));
    }
  });

  it("refuses to set through a scalar or to index an array with a key", () => {
    const scalar = configError(() => applyOverrides({ seed: 1 }, ["seed.x=1"], defaultRunConfig()));
    expect(scalar.path).toBe("--set");
    expect(scalar.reason).toMatch(/seed is number 1, not an object/);
    // Not in the file: the object it makes is then rejected by the schema at its path.
    expect(configError(() => withSets({}, "seed.x=1")).path).toBe("seed");
    const key = configError(() => applyOverrides({}, ["model.gHidden.first=1"], defaultRunConfig()));
    expect(key.reason).toMatch(/model\.gHidden is an array/);
  });

  it("refuses to leave a hole in an array", () => {
    const e = configError(() => applyOverrides({}, ["model.gHidden.5=1"], defaultRunConfig()));
    expect(e.reason).toMatch(/index 5 is past the end of model\.gHidden \(length 3\)/);
  });

  it("refuses __proto__ as a key", () => {
    expect(configError(() => applyOverrides({}, ['__proto__.polluted=true'])).path).toBe("--set");
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});

function mlp(c: RunConfig): MlpModelConfig {
  if (c.model.family !== "mlp") throw new Error(`expected the mlp family, got ${c.model.family}`);
  return c.model;
}
