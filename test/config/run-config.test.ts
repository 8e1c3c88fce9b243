import { describe, expect, it } from "vitest";

import { decodeRunConfig, defaultRunConfig, type RunConfig } from "../../src/config/run-config.ts";
import { configError } from "./helpers.ts";

// Written out by hand from the documented defaults, not derived from the code under test.
const adam = { lr: 1e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined };
const documentedDefaults: RunConfig = {
  name: "egan-grid25",
  seed: 1,
  backend: "auto",
  outDir: "runs",
  task: { dataset: "grid25", limit: undefined, imagesFile: undefined, labelsFile: undefined, files: undefined, labelled: undefined, validation: undefined, labelSeed: undefined, transform: undefined, domainB: undefined, splitSeed: undefined },
  model: { family: "mlp", zDim: 2, gHidden: [512, 512, 512], dHidden: [512, 512, 512] },
  trainer: {
    kind: "egan",
    mutations: ["minimax", "heuristic", "least-squares"],
    mu: 1,
    gamma: 2,
    nD: 1,
    evolveEvery: 1,
    selection: "sum",
    batchSize: 64,
    evalBatchSize: 256,
    implementation: "fast",
    g: adam,
    d: adam,
    dLoss: "bce",
    orthoReg: 0,
    ema: undefined,
    pack: 1,
    instanceNoise: undefined,
    lambda: undefined,
    identity: undefined,
  },
  budget: { iterations: 3000, seconds: undefined },
  eval: { every: 500, samples: 2500, grid: 64 },
};

describe("the embedded default config", () => {
  it("{} decodes to the documented defaults (the E-GAN paper's settings, which config files inherit)", () => {
    expect(decodeRunConfig({})).toStrictEqual(documentedDefaults);
  });

  it("the embedded default (evogan run without a config) is the documented best toy setting", () => {
    const embedded: RunConfig = {
      ...documentedDefaults,
      model: { family: "mlp", zDim: 2, gHidden: [256, 256, 256], dHidden: [256, 256, 256] },
      trainer: {
        ...documentedDefaults.trainer,
        mutations: ["heuristic"],
        batchSize: 256,
        g: { ...adam, lr: 5e-4 },
        d: { ...adam, lr: 5e-4 },
        ema: { decay: 0.999, start: 1000 },
        instanceNoise: { std: 0.1, until: 6000 },
      },
      budget: { iterations: 10000, seconds: undefined },
      eval: { every: 1000, samples: 2500, grid: 64 },
    };
    expect(defaultRunConfig()).toStrictEqual(embedded);
  });

  it("is a fresh copy each time, so one run cannot edit another's defaults", () => {
    const a = defaultRunConfig();
    const b = defaultRunConfig();
    expect(a.trainer.mutations).not.toBe(b.trainer.mutations);
    expect(a.trainer.g).not.toBe(b.trainer.d);
  });

  it("names the run after the dataset unless a name is given", () => {
    expect(decodeRunConfig({ task: { dataset: "ring8" } }).name).toBe("egan-ring8");
    expect(decodeRunConfig({ name: "mine", task: { dataset: "ring8" } }).name).toBe("mine");
  });

  it("fills the rest of a partly given section", () => {
    const c = decodeRunConfig({ trainer: { g: { lr: 2e-4 } } });
    expect(c.trainer.g).toEqual({ ...adam, lr: 2e-4 });
    expect(c.trainer.d).toEqual(adam);
    expect(c.trainer.mutations).toEqual(["minimax", "heuristic", "least-squares"]);
  });
});

describe("run config validation", () => {
  it("rejects the unknown key trainer.gama, naming it", () => {
    const e = configError(() => decodeRunConfig({ trainer: { gama: 1 } }));
    expect(e.path).toBe("trainer.gama");
    expect(e.reason).toMatch(/^unknown key \(allowed: .*gamma/);
    expect(e.message).toMatch(/^trainer\.gama: unknown key/);
  });

  it("rejects an unknown top-level key without a prefix", () => {
    expect(configError(() => decodeRunConfig({ iterations: 10 })).path).toBe("iterations");
  });

  it("rejects a wrong type at trainer.g.lr, naming trainer.g.lr", () => {
    const e = configError(() => decodeRunConfig({ trainer: { g: { lr: "fast" } } }));
    expect(e.path).toBe("trainer.g.lr");
    expect(e.reason).toBe('expected a number, got string "fast"');
  });

  it("takes a learning-rate half-life, absent by default, and refuses a non-positive one by name", () => {
    expect(decodeRunConfig({}).trainer.g.lrHalfLife).toBeUndefined();
    expect(decodeRunConfig({ trainer: { d: { lrHalfLife: 15000 } } }).trainer.d).toEqual({ ...adam, lrHalfLife: 15000 });
    const e = configError(() => decodeRunConfig({ trainer: { g: { lrHalfLife: 0 } } }));
    expect([e.path, e.reason]).toEqual(["trainer.g.lrHalfLife", "must be > 0, got 0"]);
  });

  it("rejects a non-positive learning rate and beta1 = 1", () => {
    expect(configError(() => decodeRunConfig({ trainer: { d: { lr: 0 } } })).path).toBe("trainer.d.lr");
    expect(configError(() => decodeRunConfig({ trainer: { g: { beta1: 1 } } })).path).toBe("trainer.g.beta1");
  });

  it("names a bad mutation by its index trainer.mutations[1]", () => {
    const e = configError(() => decodeRunConfig({ trainer: { mutations: ["minimax", "wgan"] } }));
    expect(e.path).toBe("trainer.mutations[1]");
    expect(e.reason).toMatch(/"minimax", "heuristic", "least-squares", "hinge"/);
  });

  it("rejects duplicate mutations", () => {
    const e = configError(() => decodeRunConfig({ trainer: { mutations: ["heuristic", "minimax", "heuristic"] } }));
    expect(e.path).toBe("trainer.mutations[2]");
    expect(e.reason).toMatch(/^duplicate of trainer\.mutations\[0\]/);
  });

  it("rejects an empty mutation list", () => {
    expect(configError(() => decodeRunConfig({ trainer: { mutations: [] } })).path).toBe("trainer.mutations");
  });

  it("bounds hidden widths and layer counts", () => {
    expect(configError(() => decodeRunConfig({ model: { gHidden: [512, 0] } })).path).toBe("model.gHidden[1]");
    expect(configError(() => decodeRunConfig({ model: { dHidden: [] } })).path).toBe("model.dHidden");
    expect(configError(() => decodeRunConfig({ model: { dHidden: Array(9).fill(8) } })).path).toBe("model.dHidden");
    expect(configError(() => decodeRunConfig({ model: { zDim: 65 } })).path).toBe("model.zDim");
  });

  it("rejects names that are not safe directory names", () => {
    for (const name of ["a/b", "..", ".", ".hidden", "", "a b"]) {
      expect(configError(() => decodeRunConfig({ name })).path).toBe("name");
    }
    expect(decodeRunConfig({ name: "run_1.v2-b" }).name).toBe("run_1.v2-b");
  });

  it("rejects an unknown backend and a negative seed", () => {
    expect(configError(() => decodeRunConfig({ backend: "webgl" })).path).toBe("backend");
    expect(configError(() => decodeRunConfig({ seed: -1 })).path).toBe("seed");
  });
});

describe("image families in the run config", () => {
  it("lays each family's defaults under the config: BigGAN gets 2 D steps, Adam β1 0, the hinge D loss, ortho reg and an EMA", () => {
    const c = decodeRunConfig({ model: { family: "biggan" } });
    expect(c.task.dataset).toBe("mnist");
    expect(c.model).toEqual({ family: "biggan", zDim: 24, width: 16, conditional: true, attention: true, attentionResolution: 14, sharedEmbedding: true, embedDim: 16, skipZ: true, spectralNorm: true });
    expect(c.trainer.nD).toBe(2);
    expect(c.trainer.g.beta1).toBe(0);
    expect(c.trainer.dLoss).toBe("hinge");
    expect(c.trainer.orthoReg).toBe(1e-4);
    expect(c.trainer.ema).toEqual({ decay: 0.999, start: 200 });
    expect(c.name).toBe("egan-mnist");
  });

  it("gives DCGAN the paper's D (no spectral norm, no minibatch-stddev channel) unless the config asks", () => {
    expect(decodeRunConfig({ model: { family: "dcgan" } }).model).toEqual({ family: "dcgan", zDim: 32, width: 32, spectralNorm: false, minibatchStd: false });
    const c = decodeRunConfig({ model: { family: "dcgan", spectralNorm: true, minibatchStd: true } });
    expect(c.model.family === "dcgan" && [c.model.spectralNorm, c.model.minibatchStd]).toEqual([true, true]);
  });

  it("lets the config's own values win over the family defaults", () => {
    const c = decodeRunConfig({ model: { family: "biggan", attention: false }, trainer: { nD: 1, g: { lr: 1e-3 } } });
    expect(c.model.family === "biggan" && c.model.attention).toBe(false);
    expect(c.trainer.nD).toBe(1);
    expect(c.trainer.g).toEqual({ lr: 1e-3, beta1: 0, beta2: 0.999, epsilon: 1e-8, lrHalfLife: undefined });
  });

  it.each([
    [{ task: { dataset: "mnist" } }, "model.family", /toy MLP trains on ring8 or grid25/],
    [{ model: { family: "dcgan" }, task: { dataset: "grid25" } }, "task.dataset", /dcgan trains on images/],
    [{ model: { family: "dcgan", attention: true } }, "model.attention", /unknown key/],
    [{ model: { family: "dcgan", minibatchStd: "yes" } }, "model.minibatchStd", /boolean/],
    [{ model: { family: "dcgan", spectralNorm: true }, trainer: { dLoss: "wgan-gp" } }, "model.spectralNorm", /tested for DCGAN's D without spectral norm/],
    [{ model: { family: "gan3000" } }, "model.family", /expected one of "mlp", "dcgan", "biggan", "bigbigan"/],
    [{ model: { family: "bigbigan" }, trainer: { mu: 2 } }, "trainer.mu", /one survivor/],
    [{ model: { family: "dcgan" }, task: { dataset: "cifar10" } }, "task.dataset", /no evaluation classifier/],
    [{ trainer: { orthoReg: 1e-4 } }, "trainer.orthoReg", /image families/],
    [{ model: { family: "biggan", attentionResolution: 10 } }, "model.attentionResolution", /choose 7 \(D only\), 14 \(G and D\) or 28 \(G only\)/],
    [{ task: { dataset: "ring8", limit: 10 } }, "task", /for image datasets/],
  ])("rejects %j, naming %s", (raw, path, reason) => {
    const e = configError(() => decodeRunConfig(raw));
    expect(e.path).toBe(path);
    expect(e.reason).toMatch(reason);
  });
});
