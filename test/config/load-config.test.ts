import { dirname, join } from "node:path";

import { describe, expect, it } from "vitest";

import { loadRunConfig } from "../../src/config/load-config.ts";
import { defaultRunConfig } from "../../src/config/run-config.ts";
import { configErrorAsync, tempConfigFiles } from "./helpers.ts";

const file = tempConfigFiles("evogan-config-");

describe("loadRunConfig", () => {
  it("without a file gives the embedded default", async () => {
    expect(await loadRunConfig(undefined, [])).toStrictEqual(defaultRunConfig());
  });

  it("without a file, --set model.family=dcgan starts from the DCGAN defaults, not the embedded toy run", async () => {
    const c = await loadRunConfig(undefined, ["model.family=dcgan"]);
    expect(c.model).toMatchObject({ family: "dcgan", width: 32 });
    expect(c.task.dataset).toBe("mnist");
    expect(c.trainer.instanceNoise).toBeUndefined();
    expect((await loadRunConfig(undefined, ["task.dataset=ring8"])).trainer.instanceNoise).toEqual({ std: 0.1, until: 6000 });
  });

  it("without a file still applies --set", async () => {
    const c = await loadRunConfig(undefined, ["task.dataset=ring8", "budget.iterations=10"]);
    expect(c.task.dataset).toBe("ring8");
    expect(c.name).toBe("egan-ring8");
    expect(c.budget.iterations).toBe(10);
  });

  it("reads a file, fills defaults, and applies --set on top", async () => {
    const path = await file("small.json", JSON.stringify({ seed: 7, trainer: { gamma: 1 } }));
    const c = await loadRunConfig(path, ["trainer.gamma=0.25"]);
    expect(c.seed).toBe(7);
    expect(c.trainer.gamma).toBe(0.25);
    expect(c.trainer.mu).toBe(1);
  });

  it("reports an unreadable file at path config, naming the file", async () => {
    const missing = join(dirname(await file("present.json", "{}")), "nope.json");
    const e = await configErrorAsync(() => loadRunConfig(missing, []));
    expect(e.path).toBe("config");
    expect(e.reason).toContain(missing);
  });

  it("reports invalid JSON naming the file and the parse position", async () => {
    const path = await file("bad.json", '{\n  "seed": 1,\n  "trainer": { gamma: 2 }\n}\n');
    const e = await configErrorAsync(() => loadRunConfig(path, []));
    expect(e.path).toBe("config");
    expect(e.reason).toContain(path);
    expect(e.reason).toMatch(/line 3,? column \d+/);
  });

  it("reports truncated JSON with a position too", async () => {
    const path = await file("cut.json", '{ "seed": 1');
    const e = await configErrorAsync(() => loadRunConfig(path, []));
    expect(e.reason).toMatch(/line 1,? column \d+/);
  });

  it("reports schema errors in a file by field path", async () => {
    const path = await file("typo.json", JSON.stringify({ trainer: { gama: 1 } }));
    expect((await configErrorAsync(() => loadRunConfig(path, []))).path).toBe("trainer.gama");
  });
});
