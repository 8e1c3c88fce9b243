// The pggan family's config: its defaults (the paper's Adam and critic loss, width 24, an even
// 1000-iteration growth schedule), the shipped config equal to them, the growth schedule's rules
// (one hold and one fade per growth step, non-negative integers), WGAN-GP allowed for pggan and
// dcgan only, each schedule entry reachable by --set and by a PBT hyperparameter, and the shipped
// PBT sweep over the schedule resolving every member (the real CLI's --dry-run).
import { describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/load-config.ts";
import { decodeRunConfig } from "../../src/config/run-config.ts";
import { loadSweepConfig, memberPlans, memberRunConfig } from "../../src/config/sweep-config.ts";
import { ConfigError } from "../../src/errors.ts";
import { evogan } from "../helpers/cli-process.ts";

/** The one-line message decoding `raw` fails with (a ConfigError: what the CLI prints, exit 2). */
function problem(raw: unknown): string {
  try {
    decodeRunConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error(`decoded: ${JSON.stringify(raw)}`);
}

const pg = (growth: object, trainer: object = {}) => ({ model: { family: "pggan", growth }, trainer });

describe("the pggan family's config", () => {
  it("defaults: MNIST, width 24, 1000-iteration phases, WGAN-GP with the hinge (−E[D(G(z))]) mutation, the paper's Adam and batch, 12,000 iterations", () => {
    const c = decodeRunConfig({ model: { family: "pggan" } });
    expect(c.task.dataset).toBe("mnist");
    expect(c.model).toEqual({ family: "pggan", zDim: 32, width: 24, growth: { hold: [1000, 1000], fade: [1000, 1000] } });
    expect(c.trainer.dLoss).toBe("wgan-gp");
    expect(c.trainer.mutations).toEqual(["hinge"]);
    expect(c.trainer.nD).toBe(1);
    expect(c.trainer.batchSize).toBe(16);
    for (const side of [c.trainer.g, c.trainer.d]) expect(side).toEqual({ lr: 1e-3, beta1: 0, beta2: 0.99, epsilon: 1e-8 });
    expect(c.trainer.ema).toBeUndefined();
    expect(c.budget.iterations).toBe(12000);
    expect(c.eval).toMatchObject({ every: 1000, samples: 1000 });
  });

  it("configs/pggan-mnist.json is the family's defaults (besides its name) with an EMA of G from the end of the default schedule's last fade", async () => {
    const shipped = await loadRunConfig("configs/pggan-mnist.json", []);
    const defaults = decodeRunConfig({ name: "pggan-mnist", model: { family: "pggan" } });
    const { hold, fade } = defaults.model.family === "pggan" ? defaults.model.growth : { hold: [], fade: [] };
    expect(shipped).toEqual({ ...defaults, trainer: { ...defaults.trainer, ema: { decay: 0.999, start: [...hold, ...fade].reduce((a, b) => a + b, 0) } } });
  });

  it("--set reaches one entry of the schedule (model.growth.hold.1) and leaves the others", async () => {
    const c = await loadRunConfig("configs/pggan-mnist.json", ["model.growth.hold.1=250", "model.growth.fade[0]=0"]);
    expect(c.model).toMatchObject({ growth: { hold: [1000, 250], fade: [0, 1000] } });
  });

  it("an all-zero schedule is a PGGAN that starts fully grown (the no-growth control)", () => {
    expect(decodeRunConfig(pg({ hold: [0, 0], fade: [0, 0] })).model).toMatchObject({ growth: { hold: [0, 0], fade: [0, 0] } });
  });

  it.each([
    ["three holds", { hold: [1, 2, 3] }, "model.growth.hold: needs one entry per growth step, 2 for 7 → 14 → 28 (28×28 images), got 3"],
    ["one fade", { fade: [5] }, "model.growth.fade: needs one entry per growth step, 2 for 7 → 14 → 28 (28×28 images), got 1"],
    ["no holds", { hold: [] }, "model.growth.hold: needs one entry per growth step, 2 for 7 → 14 → 28 (28×28 images), got 0"],
    ["a negative hold", { hold: [-1, 2] }, "model.growth.hold[0]: must be >= 0, got -1"],
    ["a fractional fade", { fade: [10, 2.5] }, "model.growth.fade[1]: expected an integer, got number 2.5"],
    ["a schedule that is not lists", { hold: 100 }, "model.growth.hold: expected an array, got number 100"],
  ])("refuses %s in one line naming the field", (_, growth, message) => {
    expect(problem(pg(growth))).toBe(message);
  });

  it("WGAN-GP: allowed for pggan and dcgan (their critics' double backprop is tested), refused for biggan and sgan; bigbigan and the toy keep their own rule", () => {
    expect(decodeRunConfig({ model: { family: "dcgan" }, trainer: { dLoss: "wgan-gp" } }).trainer.dLoss).toBe("wgan-gp");
    expect(decodeRunConfig(pg({}, { dLoss: "hinge" })).trainer.dLoss).toBe("hinge");
    expect(problem({ model: { family: "biggan" }, trainer: { dLoss: "wgan-gp" } })).toBe("trainer.dLoss: wgan-gp is for the pggan and dcgan families (their critics' double backprop is tested), not biggan");
    expect(problem({ model: { family: "sgan" }, trainer: { dLoss: "wgan-gp" } })).toMatch(/^trainer\.dLoss: wgan-gp is for the pggan and dcgan families .*not sgan$/);
    expect(problem({ model: { family: "bigbigan" }, trainer: { dLoss: "wgan-gp" } })).toBe("trainer.dLoss: BigBiGAN's discriminator loss is the hinge");
    expect(problem({ trainer: { dLoss: "wgan-gp" } })).toBe("trainer.dLoss: the toy trainer uses the cross-entropy D loss (bce)");
    expect(problem(pg({}, { dLoss: "wasserstein" }))).toMatch(/^trainer\.dLoss: expected one of "bce", "hinge", "wgan-gp"/);
  });

  it("E-GAN over hinge and the logit losses decodes for pggan (they read the critic's raw score as a logit)", () => {
    expect(decodeRunConfig(pg({}, { mutations: ["hinge", "least-squares", "heuristic"] })).trainer.mutations).toEqual(["hinge", "least-squares", "heuristic"]);
  });
});

describe("the PBT sweep over the growth schedule", () => {
  it("resolves: 2 members, the first on the default schedule; PBT's dot paths model.growth.hold.0 … fade.1 each set one entry", async () => {
    const sweep = await loadSweepConfig("configs/sweep-pbt-pggan-mnist.json");
    expect(Object.keys(sweep.population.hyperparameters).sort()).toEqual(["model.growth.fade.0", "model.growth.fade.1", "model.growth.hold.0", "model.growth.hold.1"]);
    const plans = memberPlans(sweep.population);
    expect(plans).toHaveLength(2);
    const c = memberRunConfig(sweep.population, plans[1], 1, { "model.growth.hold.0": 123, "model.growth.fade.1": 456 }, sweep, 3);
    expect(c.model).toEqual({ family: "pggan", zDim: 32, width: 24, growth: { hold: [123, 1000], fade: [1000, 456] } });
    expect(c.trainer.ema).toEqual({ decay: 0.999, start: 0 });
  });

  it("a population whose base does not write the schedule's lists out cannot address one entry: refused with the field named, before anything runs", async () => {
    const e = await loadSweepConfig("configs/sweep-pbt-pggan-mnist.json", [
      'population={"base":{"model":{"family":"pggan"}},"members":2,"hyperparameters":{"model.growth.hold.1":{"kind":"integer","min":1,"max":9}}}',
    ]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain("model.growth.hold: expected an array, got object");
  });

  it("evogan sweep configs/sweep-pbt-pggan-mnist.json --dry-run exits 0 and prints every member's schedule", async () => {
    const r = await evogan(["sweep", "configs/sweep-pbt-pggan-mnist.json", "--dry-run"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { members: { id: string; hypers: Record<string, number>; config: { model: { growth: { hold: number[]; fade: number[] } } } }[] };
    // "default" starts on the fixed default schedule (the comparison), the others on drawn ones.
    expect(printed.members.map((m) => m.id)).toEqual(["default", "m1"]);
    expect(printed.members[0].config.model.growth).toEqual({ hold: [1000, 1000], fade: [1000, 1000] });
    expect(printed.members.slice(1).every((m) => JSON.stringify(m.config.model.growth) !== JSON.stringify(printed.members[0].config.model.growth))).toBe(true);
    for (const m of printed.members) {
      const { hold, fade } = m.config.model.growth;
      expect([hold[0], fade[0], hold[1], fade[1]]).toEqual([m.hypers["model.growth.hold.0"], m.hypers["model.growth.fade.0"], m.hypers["model.growth.hold.1"], m.hypers["model.growth.fade.1"]]);
      for (const x of [...hold, ...fade]) expect(x >= 100 && x <= 3000 && Number.isInteger(x)).toBe(true);
    }
  });
});
