// What `evogan export` writes: a run's networks as named float32 tensors plus metadata, ready for
// encodeSafetensors. Each network ("part") is prefixed in the file so that several share one file:
//   g.      the generator (an E-GAN's best survivor)     d.  the discriminator
//   g_ema.  the generator's EMA copy (trainer.ema)       e.  BigBiGAN's encoder
// DCGAN and the toy MLPs are written in PyTorch's names and layouts (dcgan-layout.ts,
// mlp-layout.ts): `G.load_state_dict` takes a part with its prefix stripped. BigGAN and BigBiGAN
// are written as evogan holds them: tfjs names (g.block0.conv1.w, ...) and layouts (conv filters
// [kh, kw, cin, cout], dense [in, out]), spectral-norm vectors (*.u) included and the weights
// before spectral normalisation; the metadata says "layout": "tfjs". A CycleGAN's g part holds
// both of its generators (g.* is G: A → B, f.* is F: B → A) and its d part both discriminators
// (da.* judges domain A, db.* domain B), in tfjs names and layouts too.
import { CheckpointCorrupt, ConfigError } from "../errors.ts";
import type { ImageShape } from "../models/image/image-model.ts";
import type { ParamData } from "../models/image/params.ts";
import type { MlpSpec } from "../models/mlp.ts";
import { isEncoderGanState, isCycleganState, isImageEganState, isToyState } from "../trainers/trainer.ts";
import { isImageMember } from "../worker/protocol.ts";
import type { PgganModelConfig } from "../config/run-config.ts";
import { growthAt } from "../models/image/growth-schedule.ts";
import { dcganDiscriminatorMapping, dcganGeneratorMapping } from "./dcgan-layout.ts";
import { mlpMapping, mlpParamData } from "./mlp-layout.ts";
import type { RunWeights } from "../orchestrator/newest-checkpoint.ts";
import type { SafeTensor } from "./safetensors.ts";
import { mapTensors, type TensorMapping } from "./tensor-mapping.ts";

export const PARTS = ["g", "ema", "d", "e"] as const;
export type Part = (typeof PARTS)[number];

/** Each part's prefix in the file. */
export const PART_PREFIX: Readonly<Record<Part, string>> = { g: "g.", ema: "g_ema.", d: "d.", e: "e." };
/** A part as the file and the messages name it: its prefix without the dot ("g_ema" for the EMA copy). */
export const partName = (p: Part): string => PART_PREFIX[p].slice(0, -1);

export interface ExportedWeights {
  readonly tensors: SafeTensor[];
  readonly metadata: Record<string, string>;
  readonly parts: Part[];
}

/** A run's networks and how to read them. */
interface Networks {
  readonly family: string;
  readonly sources: Partial<Record<Part, ParamData>>;
  /** PyTorch mapping per part; undefined: the tfjs names and layouts as they are. */
  readonly mapping?: Partial<Record<Part, TensorMapping[]>>;
  /** Why a part the run has is missing from `mapping` (the file would mix two layouts). */
  readonly unmapped?: Partial<Record<Part, string>>;
  readonly metadata: Record<string, string>;
}

/**
 * The tensors and metadata of `what` (default: the generator, and its EMA copy when the run has
 * one). A part the run does not have is the caller's mistake (a ConfigError of `--what`); a
 * checkpoint whose tensors do not fit its config is a CheckpointCorrupt.
 */
export function exportWeights(run: RunWeights, what: readonly Part[] | undefined, version: string): ExportedWeights {
  const nets = networksOf(run);
  const parts = what ? PARTS.filter((p) => what.includes(p)) : PARTS.filter((p) => p === "g" || (p === "ema" && nets.sources.ema !== undefined));
  for (const p of parts) {
    if (nets.sources[p] === undefined) throw new ConfigError("--what", `${run.name}: ${missingPart(p, nets.family)}`);
    if (nets.mapping && !nets.mapping[p]) throw new ConfigError("--what", `${run.name}: ${nets.unmapped?.[p] ?? `no PyTorch mapping for ${p}`}`);
  }
  const tensors = parts.flatMap((p) => {
    const params = nets.sources[p]!;
    const mapping = nets.mapping?.[p];
    return mapping ? mapTensors(params, mapping, PART_PREFIX[p], run.file) : rawTensors(params, p);
  });
  const metadata = {
    ...(nets.mapping ? { format: "pt", layout: "pytorch" } : { layout: "tfjs", layout_note: TFJS_LAYOUT }),
    family: nets.family,
    ...nets.metadata,
    parts: parts.map(partName).join(","),
    run: run.name,
    iteration: String(run.it),
    evogan_version: version,
  };
  return { tensors, metadata, parts };
}

/** What a reader of a tfjs-layout file needs to know (the metadata's layout_note). */
const TFJS_LAYOUT = "tfjs names and layouts: conv filters [kh, kw, cin, cout], dense weights [in, out], images NHWC; *.w.u are spectral-norm power-iteration vectors and *.w the weights before spectral normalisation";

const missingPart = (p: Part, family: string): string =>
  p === "ema" ? "this run has no EMA generator (trainer.ema was off)" : p === "e" ? `only BigBiGAN and augmented BiGAN have an encoder (this run is ${family})` : `this run has no ${p}`;

/** evogan's names as they are; the EMA copy's "g." becomes "g_ema.". */
function rawTensors(params: ParamData, part: Part): SafeTensor[] {
  return Object.entries(params).map(([name, t]) => ({
    name: part === "ema" ? PART_PREFIX.ema + name.replace(/^g\./, "") : name,
    shape: [...t.shape],
    data: t.data,
  }));
}

function networksOf(run: RunWeights): Networks {
  const { config, state, file } = run;
  const trainer = state.trainer;
  if (!isImageMember(config)) {
    if (!isToyState(trainer)) throw mismatch(file, "toy");
    const g: MlpSpec = { input: config.zDim, hidden: config.gHidden, output: 2 };
    const d: MlpSpec = { input: 2 * (config.pack ?? 1), hidden: config.dHidden, output: 1 };
    const parent = trainer.parents[0];
    if (!parent) throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: no generator in it` });
    return {
      family: "mlp",
      sources: { g: mlpParamData(parent.params, g), d: mlpParamData(trainer.d.params, d), ...(trainer.ema ? { ema: trainer.ema } : {}) },
      mapping: { g: mlpMapping(g), ema: mlpMapping(g), d: mlpMapping(d) },
      metadata: {
        z_dim: String(config.zDim),
        z_distribution: "uniform(-1, 1)",
        g_hidden: config.gHidden.join(","),
        d_hidden: config.dHidden.join(","),
        pack: String(config.pack ?? 1),
        activation: "relu between layers, none after the last",
      },
    };
  }
  const model = config.model;
  const family = model.family;
  if (model.family === "cyclegan" || isCycleganState(trainer)) {
    if (model.family !== "cyclegan" || !isCycleganState(trainer)) throw mismatch(file, family);
    const out = trainer.generators.p["g.out.w"];
    if (!out || out.shape.length !== 4) throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: no generator in it` });
    return {
      family,
      sources: { g: trainer.generators.p, d: trainer.discriminators.p },
      metadata: {
        generators: "g.*: G, domain A to domain B; f.*: F, domain B to domain A",
        discriminators: "da.*: D_A (domain A); db.*: D_B (domain B); one output per patch",
        transform: config.task.transform ?? "",
        domain_b: config.task.domainB ?? `${config.task.transform ?? "?"}(${config.task.dataset})`,
        g_width: String(model.gWidth),
        blocks: String(model.blocks),
        d_width: String(model.dWidth),
        image_channels: String(out.shape[3]),
        image_size: "fully convolutional: any height and width that are multiples of 4 (trained on 28×28)",
        image_range: "[-1, 1] (tanh)",
        instance_norm: "per image and channel, no affine, eps 1e-5",
        model_config: JSON.stringify(model),
      },
    };
  }
  // BigBiGAN's and augmented BiGAN's trainers hold one G beside E; the E-GAN trainer's parents are its survivors, the best first.
  const sides = isEncoderGanState(trainer) ? { g: trainer.g.p, d: trainer.d.p, e: trainer.e.p } : isImageEganState(trainer) ? { g: trainer.parents[0]?.p, d: trainer.d.p } : undefined;
  if (!sides || isEncoderGanState(trainer) !== (family === "bigbigan" || family === "augbigan")) throw mismatch(file, family);
  const g = sides.g;
  if (!g) throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: no generator in it` });
  const sources: Partial<Record<Part, ParamData>> = { ...sides, g, ...(trainer.ema ? { ema: trainer.ema } : {}) };
  if (model.family === "pggan") return { family, sources, metadata: pgganMetadata(model, g, run.it, file) };
  // SGAN's and augmented BiGAN's G is DCGAN's (their D, an MLP classifier, and E are exported raw like BigGAN's parts).
  const shape = imageShapeOf(g, model.width, family === "dcgan" || family === "sgan" || family === "augbigan" ? ["g.up2.w", 2] : ["g.out.conv.w", 3], file);
  const metadata = {
    z_dim: String(model.zDim),
    z_distribution: "normal(0, 1)",
    width: String(model.width),
    image_height: String(shape.height),
    image_width: String(shape.width),
    image_channels: String(shape.channels),
    image_range: "[-1, 1] (tanh)",
    batch_norm: "batch statistics at sampling too (no running averages), eps 1e-5",
    model_config: JSON.stringify(model),
  };
  if (family !== "dcgan") return { family, sources, metadata };
  const dims = { zDim: model.zDim, width: model.width, shape };
  const gMap = dcganGeneratorMapping(dims);
  const dOptions = [model.spectralNorm && "model.spectralNorm", model.minibatchStd && "model.minibatchStd"].filter(Boolean);
  if (dOptions.length > 0) {
    const unmapped = { d: `this DCGAN's D has ${dOptions.join(" and ")} on, which the PyTorch Discriminator (README) does not have; export g and ema` };
    return { family, sources, mapping: { g: gMap, ema: gMap }, unmapped, metadata };
  }
  return { family, sources, mapping: { g: gMap, ema: gMap, d: dcganDiscriminatorMapping(dims) }, metadata };
}

/**
 * A PGGAN's metadata: its image shape (from g.base.fc.w, 2w channels at r_0 × r_0, and the last
 * toRGB), the growth schedule and the growth point the checkpoint's next iteration is at, and what
 * a reader must apply to the stored weights (the equalized learning rate's run-time scale).
 */
function pgganMetadata(model: PgganModelConfig, g: ParamData, it: number, file: string): Record<string, string> {
  const stages = model.growth.hold.length + 1;
  const fc = g["g.base.fc.w"];
  const rgb = g[`g.rgb${stages - 1}.w`];
  const r0 = fc && fc.shape.length === 2 ? Math.sqrt(fc.shape[1] / (2 * model.width)) : NaN;
  if (!rgb || rgb.shape.length !== 4 || !Number.isInteger(r0)) {
    throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: its generator's g.base.fc.w and g.rgb${stages - 1}.w do not fit width ${model.width}` });
  }
  const side = r0 * 2 ** (stages - 1);
  const { stage, alpha } = growthAt(model.growth, it);
  return {
    z_dim: String(model.zDim),
    z_distribution: "normal(0, 1), pixel-normalised by G",
    width: String(model.width),
    image_height: String(side),
    image_width: String(side),
    image_channels: String(rgb.shape[3]),
    image_range: "[-1, 1] (tanh), upsampled to full size at every stage",
    resolutions: Array.from({ length: stages }, (_, k) => r0 * 2 ** k).join(","),
    growth_hold: model.growth.hold.join(","),
    growth_fade: model.growth.fade.join(","),
    growth_stage: String(stage),
    growth_alpha: String(alpha),
    equalized_lr: "a layer uses its stored *.w times gain/sqrt(fan_in) (fan_in = kh*kw*cin for a conv, n_in for a dense layer): gain 1 for g.rgb* and d.final.fc, sqrt(2) for every other (src/models/image/pggan.ts)",
    model_config: JSON.stringify(model),
  };
}

const mismatch = (file: string, family: string) =>
  new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: its state is not a ${family} trainer's, which its config names` });

/**
 * The image shape a generator makes, from its weights: channels from its last conv (`filter` and
 * its output-channel `axis`), H·W from its first linear layer (H/4 · W/4 · 2·width outputs).
 * Square images (every dataset evogan reads is: 28×28, 32×32).
 */
function imageShapeOf(g: ParamData, width: number, [filter, axis]: [string, number], file: string): ImageShape {
  const fc = g["g.fc.w"];
  const last = g[filter];
  const cells = fc && fc.shape.length === 2 ? fc.shape[1] / (2 * width) : NaN;
  const side = 4 * Math.sqrt(cells);
  if (!last || last.shape.length !== 4 || !Number.isInteger(side)) {
    throw new CheckpointCorrupt({ file, message: `corrupt checkpoint ${file}: its generator's g.fc.w and ${filter} do not fit width ${width}` });
  }
  return { height: side, width: side, channels: last.shape[axis] };
}
