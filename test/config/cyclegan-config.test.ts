// The cyclegan family's run and sweep configs: the shipped config decodes to the paper's settings
// (the defaults written out in run-config.ts equal the ones the model and trainer modules hold),
// every setting the CycleGAN trainer cannot honour is one ConfigError naming its field, the
// translation fields are refused elsewhere, and a sweep ranks CycleGAN members only by their
// validation translations.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { decodeRunConfig, FAMILY_DEFAULTS } from "../../src/config/run-config.ts";
import { loadRunConfig } from "../../src/config/load-config.ts";
import { decodeSweepConfig, fitnessMetricsFor, loadSweepConfig, memberPlans, memberRunConfig } from "../../src/config/sweep-config.ts";
import { FITNESS_METRICS, memberFitness } from "../../src/metrics/member-fitness.ts";
import { CYCLEGAN_MODEL_DEFAULTS } from "../../src/models/image/cyclegan.ts";
import type { ImageMetrics, ToyMetrics, TranslationMetrics } from "../../src/records.ts";
import { CYCLEGAN_TRAINER_DEFAULTS } from "../../src/trainers/cyclegan-trainer.ts";
import { configError } from "./helpers.ts";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));


const cyclegan = (extra: { task?: object; model?: object; trainer?: object } = {}) => ({
  task: { dataset: "mnist", ...extra.task },
  model: { family: "cyclegan", ...extra.model },
  trainer: { ...extra.trainer },
});

describe("cyclegan run configs", () => {
  it("{ model.family: cyclegan } decodes to the defaults the model and trainer modules hold (the paper's λ 10, Adam 2e-4 / β1 0.5, a least-squares D), on MNIST → inverted MNIST", () => {
    const c = decodeRunConfig({ model: { family: "cyclegan" } });
    expect(c.model).toEqual({ family: "cyclegan", ...CYCLEGAN_MODEL_DEFAULTS });
    const D = CYCLEGAN_TRAINER_DEFAULTS;
    expect(c.trainer).toMatchObject({ lambda: D.lambda, identity: D.identity, dLoss: D.dLoss, batchSize: D.batchSize, evalBatchSize: D.evalBatchSize, g: D.adam, d: D.adam, mutations: ["least-squares"], mu: 1, nD: 1 });
    expect(c.task).toMatchObject({ dataset: "mnist", transform: "invert", validation: 1000, splitSeed: 1 });
    expect(c.trainer.ema).toBeUndefined();
    // Read by run-config.ts from the tfjs-free cyclegan-defaults.ts, as the model and trainer read them.
    expect(FAMILY_DEFAULTS.cyclegan).toMatchObject({ model: CYCLEGAN_MODEL_DEFAULTS });
  });

  it("the shipped configs/cyclegan-mnist-invert.json is that default task, named after its file", async () => {
    const c = await loadRunConfig(join(configs, "cyclegan-mnist-invert.json"), []);
    expect(c.name).toBe("cyclegan-mnist-invert");
    expect(c).toMatchObject({ task: { dataset: "mnist", transform: "invert" }, model: { family: "cyclegan" }, trainer: { lambda: 10, identity: 0, dLoss: "least-squares" } });
    expect({ ...c, name: undefined, budget: undefined, eval: undefined }).toEqual({ ...decodeRunConfig({ model: { family: "cyclegan" } }), name: undefined, budget: undefined, eval: undefined });
  });

  it("takes rot90, the BCE D loss, E-GAN's mutations, fashion-mnist and the weights a sweep sets", () => {
    const c = decodeRunConfig(cyclegan({ task: { dataset: "fashion-mnist", transform: "rot90" }, trainer: { dLoss: "bce", mutations: ["least-squares", "heuristic", "rsgan"], lambda: 5.5, identity: 0.25 } }));
    expect(c.task).toMatchObject({ dataset: "fashion-mnist", transform: "rot90" });
    expect(c.trainer).toMatchObject({ dLoss: "bce", lambda: 5.5, identity: 0.25 });
  });

  it("the shipped configs/cyclegan-mnist-fashion.json takes domain B from Fashion-MNIST: no transform, the default one not laid under it", async () => {
    const c = await loadRunConfig(join(configs, "cyclegan-mnist-fashion.json"), []);
    expect(c.task).toMatchObject({ dataset: "mnist", domainB: "fashion-mnist", validation: 1000, splitSeed: 1 });
    expect(c.task.transform).toBeUndefined();
    expect(decodeRunConfig(cyclegan({ task: { domainB: "fashion-mnist" } })).task).toMatchObject({ domainB: "fashion-mnist", transform: undefined, validation: 1000, splitSeed: 1 });
    // Without domainB the default task is still inversion.
    expect(decodeRunConfig(cyclegan()).task.transform).toBe("invert");
  });

  it.each([
    ["a hinge D", { trainer: { dLoss: "hinge" } }, "trainer.dLoss", /least-squares \(the paper's\) and bce, not hinge/],
    ["both a transform and another dataset as domain B", { task: { transform: "rot90", domainB: "fashion-mnist" } }, "task.domainB", /give one of them/],
    ["Fashion-MNIST as both domains", { task: { dataset: "fashion-mnist", domainB: "fashion-mnist" } }, "task.domainB", /with mnist \(task.dataset\), not fashion-mnist/],
    ["an unknown domain B", { task: { domainB: "cifar10" } }, "task.domainB", /expected/],
    ["a WGAN-GP critic", { trainer: { dLoss: "wgan-gp" } }, "trainer.dLoss", /not wgan-gp/],
    ["two survivors", { trainer: { mu: 2 } }, "trainer.mu", /one survivor/],
    ["two D steps", { trainer: { nD: 2 } }, "trainer.nD", /once an iteration/],
    ["an EMA", { trainer: { ema: { decay: 0.999, start: 0 } } }, "trainer.ema", /no moving average/],
    ["orthogonal regularization", { trainer: { orthoReg: 1e-4 } }, "trainer.orthoReg", /BigGAN's/],
    ["packing", { trainer: { pack: 2 } }, "trainer.pack", /toy D/],
    ["instance noise", { trainer: { instanceNoise: { std: 0.1, until: 10 } } }, "trainer.instanceNoise", /toy D/],
    ["feature matching", { trainer: { mutations: ["feature-matching"] } }, "trainer.mutations", /not cyclegan's/],
    ["a negative λ", { trainer: { lambda: -1 } }, "trainer.lambda", /must be >= 0/],
    ["a negative identity weight", { trainer: { identity: -0.5 } }, "trainer.identity", /must be >= 0/],
    ["an unknown transform", { task: { transform: "flip" } }, "task.transform", /expected one of/],
    ["the user's own image files", { task: { imagesFile: "x.idx", labelsFile: "y.idx" } }, "task.imagesFile", /own test set/],
    ["a training set too small for its validation images", { task: { limit: 101, validation: 100 } }, "task.limit", /keeps 101 training images, but 100 are held out/],
    ["no validation images", { task: { validation: 0 } }, "task.validation", /must be >= 1/],
    ["G's width 0", { model: { gWidth: 0 } }, "model.gWidth", /must be >= 1/],
    ["a fractional block count", { model: { blocks: 1.5 } }, "model.blocks", /integer/],
    ["labels for a CycleGAN", { task: { labelled: 100 } }, "task.labelled", /semi-supervised families/],
    ["a toy dataset", { task: { dataset: "ring8" } }, "task.dataset", /trains on images/],
  ] as const)("refuses %s in one line naming the field", (_, extra, path, reason) => {
    const e = configError(() => decodeRunConfig(cyclegan(extra)));
    expect(e.path).toBe(path);
    expect(e.reason).toMatch(reason);
    expect(e.message).not.toMatch(/\n/);
  });

  it.each([
    ["the least-squares D loss for a DCGAN", { model: { family: "dcgan" }, trainer: { dLoss: "least-squares" } }, "trainer.dLoss", /CycleGAN's D loss/],
    ["the least-squares D loss for the toy MLP", { trainer: { dLoss: "least-squares" } }, "trainer.dLoss", /bce/],
    ["λ for a DCGAN", { model: { family: "dcgan" }, trainer: { lambda: 10 } }, "trainer.lambda", /CycleGAN loss weight/],
    ["an identity weight for BigGAN", { model: { family: "biggan" }, trainer: { identity: 0.5 } }, "trainer.identity", /CycleGAN loss weight/],
    ["a transform for a DCGAN", { model: { family: "dcgan" }, task: { dataset: "mnist", transform: "invert" } }, "task.transform", /translation family/],
    ["a split seed for PGGAN", { model: { family: "pggan" }, task: { dataset: "mnist", splitSeed: 3 } }, "task.splitSeed", /translation family/],
    ["a domain B for a DCGAN", { model: { family: "dcgan" }, task: { dataset: "mnist", domainB: "fashion-mnist" } }, "task.domainB", /translation family/],
    ["validation images for a DCGAN", { model: { family: "dcgan" }, task: { dataset: "mnist", validation: 100 } }, "task.validation", /sgan, augbigan or cyclegan/],
  ] as const)("refuses %s", (_, config, path, reason) => {
    const e = configError(() => decodeRunConfig(config));
    expect(e.path).toBe(path);
    expect(e.reason).toMatch(reason);
  });
});

const translation: TranslationMetrics = {
  samples: 1000,
  translationError: 0.03,
  backTranslationError: 0.031,
  cycleErrorA: 0.034,
  cycleErrorB: 0.035,
  labelPreservation: 0.96,
  backLabelPreservation: 0.965,
  fidA: 3.2,
  fidB: 2.9,
  valSamples: 1000,
  valTranslationError: 0.0325,
  valLabelPreservation: 0.958,
};

describe("a sweep of cyclegan members", () => {
  const population = (base: object) => ({ base, members: 2, hyperparameters: { "trainer.g.lr": { kind: "continuous", min: 1e-4, max: 1e-3, log: true } } });
  const sweep = (base: object, fitness: object) => ({ name: "s", population: population(base), generations: 2, segment: { iterations: 10 }, fitness });

  it("ranks a member by its validation pairs only: labels kept, or the translation error negated (auto); any other metric is NaN", () => {
    expect(memberFitness("val-label-preservation", translation)).toBe(0.958);
    expect(memberFitness("val-translation-error", translation)).toBe(-0.0325);
    expect(memberFitness("auto", translation)).toBe(-0.0325);
    for (const m of ["fid", "inception-score", "class-tvd", "val-accuracy", "mmd", "modes"] as const) expect(memberFitness(m, translation)).toBeNaN();
    expect(fitnessMetricsFor("translation")).toEqual(FITNESS_METRICS.filter((m) => !Number.isNaN(memberFitness(m, translation))));
    // The translation metrics are NaN on other members' metrics.
    const image: ImageMetrics = { samples: 100, fid: 30, inceptionScore: 5, classTvd: 0.1, valAccuracy: 0.9, testAccuracy: 0.89 };
    const toy: ToyMetrics = { samples: 100, modes: 7, totalModes: 8, highQuality: 0.9, reverseKL: 0.1, mmd: 0.01 };
    for (const m of [image, toy]) expect(memberFitness("val-label-preservation", m)).toBeNaN();
  });

  it("refuses members translating to another dataset: without a known answer no fitness ranks them", () => {
    const e = configError(() => decodeSweepConfig(sweep({ task: { dataset: "mnist", domainB: "fashion-mnist" }, model: { family: "cyclegan" } }, { metric: "val-translation-error" })));
    expect(e.path).toMatch(/task\.domainB$/);
    expect(e.reason).toMatch(/no known answer.*needs task.transform/);
  });

  it("refuses a translation metric for a member that translates nothing, and an image metric for a CycleGAN member", () => {
    const dcgan = configError(() => decodeSweepConfig(sweep({ task: { dataset: "mnist" }, model: { family: "dcgan" } }, { metric: "val-label-preservation" })));
    expect(dcgan.path).toBe("fitness.metric");
    expect(dcgan.reason).toMatch(/"val-label-preservation" is measured on a CycleGAN's translations, but member m0 is dcgan/);
    const cyc = configError(() => decodeSweepConfig(sweep({ model: { family: "cyclegan" } }, { metric: "val-label-preservation", tieBreak: "fid" })));
    expect(cyc.path).toBe("fitness.tieBreak");
    expect(cyc.reason).toMatch(/"fid" is not measured on translations, but member m0 is a CycleGAN.*"auto", "val-label-preservation", "val-translation-error"/);
    expect(configError(() => decodeSweepConfig(sweep({ model: { family: "cyclegan" } }, { metric: "val-accuracy" }))).reason).toMatch(/semi-supervised member's classifier/);
    expect(decodeSweepConfig(sweep({ model: { family: "cyclegan" } }, { metric: "val-translation-error" })).fitness.metric).toBe("val-translation-error");
  });

  it("the shipped PBT sweep evolves λ, the identity weight and the learning rates of CycleGAN members on the same split, ranked by validation label preservation", async () => {
    const s = await loadSweepConfig(join(configs, "sweep-pbt-cyclegan-mnist.json"));
    expect(s.fitness).toEqual({ metric: "val-label-preservation", tieBreak: "val-translation-error" });
    expect(Object.keys(s.population.hyperparameters).sort()).toEqual(["trainer.d.lr", "trainer.g.lr", "trainer.identity", "trainer.lambda"]);
    const members = memberPlans(s.population).map((m, i) => memberRunConfig(s.population, m, i, { "trainer.lambda": 4 + i, "trainer.identity": 0.1 }, s, 100 + i));
    expect(members.length).toBe(4);
    for (const [i, c] of members.entries()) {
      expect(c).toMatchObject({ seed: 100 + i, model: { family: "cyclegan" }, trainer: { lambda: 4 + i, identity: 0.1 }, task: { transform: "invert", splitSeed: 1, validation: 1000 } });
    }
  });
});
