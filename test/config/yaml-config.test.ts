// YAML configs beside JSON: the same resolved config from a YAML file and its JSON twin (run,
// sweep, and a sweep whose population file is YAML), and errors that name the dot path and the
// line the field is written on. Lines are checked against the file's own text, not the parser.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

import { pathKeys } from "../../src/config/config-schema.ts";
import { loadRunConfig } from "../../src/config/load-config.ts";
import { loadSweepConfig } from "../../src/config/sweep-config.ts";
import { ConfigError, fromWire, toWire } from "../../src/errors.ts";
import { configErrorAsync, tempConfigFiles } from "./helpers.ts";

const CONFIGS = fileURLToPath(new URL("../../configs/", import.meta.url));
const exec = promisify(execFile);

const file = tempConfigFiles("evogan-yaml-");

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineWith(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

describe("YAML run configs", () => {
  it("the shipped configs/egan-grid25.yaml resolves to the same config as configs/egan-grid25.json", async () => {
    const yaml = await loadRunConfig(join(CONFIGS, "egan-grid25.yaml"), []);
    expect(yaml).toStrictEqual(await loadRunConfig(join(CONFIGS, "egan-grid25.json"), []));
  });

  it("the shipped YAML example holds the JSON file's data for an independent YAML reader (PyYAML)", async () => {
    const script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
    const { stdout } = await exec("/usr/bin/python3", ["-c", script, join(CONFIGS, "egan-grid25.yaml")]);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(await readFile(join(CONFIGS, "egan-grid25.json"), "utf8")));
  });

  it("reads .yml too, with comments, flow lists, anchors and --set on top", async () => {
    const path = await file("anchors.yml", "# comment\nseed: 7\ntrainer:\n  g: &adam { lr: 2e-4, beta1: 0.5 }  # YAML 1.2: 2e-4 is a number\n  d: *adam\n  mutations: [minimax, heuristic]\n");
    const c = await loadRunConfig(path, ["trainer.gamma=0.25"]);
    expect(c.seed).toBe(7);
    expect(c.trainer.g).toMatchObject({ lr: 2e-4, beta1: 0.5 });
    expect(c.trainer.d).toMatchObject({ lr: 2e-4, beta1: 0.5 });
    expect(c.trainer.mutations).toEqual(["minimax", "heuristic"]);
    expect(c.trainer.gamma).toBe(0.25);
  });

  it("a bad field names the file, its line and its dot path", async () => {
    const text = "# a run\nname: y\ntask:\n  dataset: grid25\ntrainer:\n  gamma: 1\n  g:\n    beta1: 0.5\n    lr: fast\n";
    const path = await file("bad-lr.yaml", text);
    const e = await configErrorAsync(() => loadRunConfig(path, []));
    expect(e.path).toBe("trainer.g.lr");
    expect(e.message).toBe(`${path}: line ${lineWith(text, "lr: fast")}: trainer.g.lr: expected a number, got string "fast"`);
    // It crosses a worker or queue boundary whole, as every evogan error does (src/errors.ts).
    const rebuilt = fromWire(JSON.parse(JSON.stringify(toWire(e))));
    expect(rebuilt).toBeInstanceOf(ConfigError);
    expect([rebuilt?.message, (rebuilt as ConfigError).at]).toEqual([e.message, e.at]);
  });

  it("an unknown key names its own line; a list element names the element's line", async () => {
    const unknown = "trainer:\n  mu: 1\n  gama: 2\n";
    const unknownPath = await file("unknown.yaml", unknown);
    const e = await configErrorAsync(() => loadRunConfig(unknownPath, []));
    expect(e.path).toBe("trainer.gama");
    expect(e.at).toBe(`${unknownPath}: line ${lineWith(unknown, "gama")}`);
    const list = "trainer:\n  mutations:\n    - minimax\n    - wgan\n";
    const listPath = await file("list.yaml", list);
    const e2 = await configErrorAsync(() => loadRunConfig(listPath, []));
    expect(e2.path).toBe("trainer.mutations[1]");
    expect(e2.at).toBe(`${listPath}: line ${lineWith(list, "wgan")}`);
  });

  it("a value given by --set has no line: the file did not write it", async () => {
    const text = "trainer:\n  g:\n    lr: 0.001\n";
    const path = await file("set.yaml", text);
    const e = await configErrorAsync(() => loadRunConfig(path, ["trainer.g.lr=fast"]));
    expect(e.at).toBeUndefined();
    expect(e.message).toBe(`trainer.g.lr: expected a number, got string "fast"`);
  });

  it("a syntax error names the file and the line, in one line", async () => {
    const text = "name: y\ntrainer:\n  mutations: [minimax,\n  gamma: 2\n";
    const path = await file("syntax.yaml", text);
    const e = await configErrorAsync(() => loadRunConfig(path, []));
    expect(e.path).toBe("config");
    expect(e.reason).toContain(JSON.stringify(path));
    expect(e.reason).toMatch(/is not valid YAML at line \d+, column \d+: \S/);
    expect(e.message).not.toContain("\n");
    const tabs = await file("tabs.yaml", "trainer:\n\tgamma: 2\n");
    expect((await configErrorAsync(() => loadRunConfig(tabs, []))).reason).toMatch(/not valid YAML at line 2, column 1: Tabs are not allowed/);
  });

  it("a duplicate key is an error at its line, not a silent overwrite", async () => {
    const path = await file("dup.yaml", "seed: 1\nseed: 2\n");
    expect((await configErrorAsync(() => loadRunConfig(path, []))).reason).toMatch(/not valid YAML at line 2, column 1: Map keys must be unique/);
  });

  it("JSON errors are unchanged: no line for a schema error", async () => {
    const path = await file("bad.json", JSON.stringify({ trainer: { g: { lr: "fast" } } }));
    const e = await configErrorAsync(() => loadRunConfig(path, []));
    expect(e.message).toBe(`trainer.g.lr: expected a number, got string "fast"`);
  });
});

describe("YAML sweep configs and population files", () => {
  const populationYaml = [
    "# toy-tiny4 as YAML",
    "base:",
    "  task: { dataset: ring8 }",
    "  model:",
    "    gHidden: [32, 32]",
    "    dHidden: [32, 32]",
    "  trainer: { evalBatchSize: 64, batchSize: 32 }",
    "members: 4",
    "hyperparameters:",
    "  trainer.g.lr: { kind: continuous, min: 1.0e-4, max: 3.0e-3, log: true }",
    "  trainer.gamma:",
    "    kind: continuous",
    "    min: 0",
    "    max: 2",
    "",
  ].join("\n");

  it("a YAML sweep with a YAML population file resolves to the same sweep as the JSON pair", async () => {
    await file("toy-tiny4.yaml", populationYaml);
    const sweep = await file("sweep-tiny.yaml", "name: sweep-tiny\npopulation: toy-tiny4.yaml\nstrategy: { kind: pbt, quantile: 0.25, resampleProbability: 0.25 }\ngenerations: 4\nsegment: { iterations: 30 }\neval: { samples: 500 }\ncheckpoints: { keep: 2 }\n");
    expect(await loadSweepConfig(sweep)).toStrictEqual(await loadSweepConfig(join(CONFIGS, "sweep-tiny.json")));
  });

  it("a bad field in a YAML population file names that file, its line and the field", async () => {
    const bad = populationYaml.replace("    max: 2", "    max: lots");
    const pop = await file("pop-bad.yaml", bad);
    const sweep = await file("sweep-bad-pop.yaml", "name: s\npopulation: pop-bad.yaml\ngenerations: 1\nsegment: { iterations: 5 }\n");
    const e = await configErrorAsync(() => loadSweepConfig(sweep));
    expect(e.path).toBe('population.hyperparameters["trainer.gamma"].max');
    expect(e.message).toMatch(new RegExp(`^\\S*pop-bad\\.yaml: line ${lineWith(bad, "max: lots")}: population\\.hyperparameters\\["trainer\\.gamma"\\]\\.max: expected a number`));
    expect(e.message).toContain(pop.split("/").pop());
  });

  it("a bad field in a YAML sweep file names its line; an inline population's too", async () => {
    const text = "name: s\npopulation:\n  members: 2\n  base:\n    trainer: { mu: 0 }\ngenerations: 1\nsegment:\n  iterations: many\n";
    const path = await file("sweep-bad.yaml", text);
    const e = await configErrorAsync(() => loadSweepConfig(path));
    expect(e.message).toBe(`${path}: line ${lineWith(text, "iterations: many")}: segment.iterations: expected an integer, got string "many"`);
    const fixed = text.replace("iterations: many", "iterations: 5");
    const path2 = await file("sweep-bad-base.yaml", fixed);
    const e2 = await configErrorAsync(() => loadSweepConfig(path2));
    expect(e2.path).toBe("population.base.trainer.mu");
    expect(e2.at).toBe(`${path2}: line ${lineWith(fixed, "mu: 0")}`);
  });
});

describe("pathKeys", () => {
  it("reads back the paths config errors print", () => {
    expect(pathKeys("trainer.g.lr")).toEqual(["trainer", "g", "lr"]);
    expect(pathKeys("trainer.mutations[2]")).toEqual(["trainer", "mutations", 2]);
    expect(pathKeys('population.hyperparameters["trainer.g.lr"].min')).toEqual(["population", "hyperparameters", "trainer.g.lr", "min"]);
    expect(pathKeys("config")).toEqual([]);
    expect(pathKeys('config["a b"]')).toEqual(["a b"]);
    expect(pathKeys("configs")).toEqual(["configs"]);
  });

  it("is undefined for what is not a printed path", () => {
    expect(pathKeys("--set")).toBeUndefined();
    expect(pathKeys("population.members[0] (m0) trainer.g.lr")).toBeUndefined();
  });
});
