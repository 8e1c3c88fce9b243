// CycleGAN's defaults, in a module of their own (no tfjs) so that the run config's defaults
// (src/config/run-config.ts, FAMILY_DEFAULTS.cyclegan), the model (cyclegan.ts) and the trainer
// (src/trainers/cyclegan-trainer.ts) read the same values, each with its measured reason here.

export const CYCLEGAN_MODEL_DEFAULTS = {
  // The paper's 64 is for 256×256 photographs; at 8 a step of G and F together takes about
  // 0.1 s on these 2 cores, and MNIST → inverted MNIST reaches the bar (≥ 95% labels
  // kept, error ≤ 0.1) within 2 minutes (bench/cyclegan-mnist.ts).
  gWidth: 8,
  // The paper's 6 (128×128) or 9 (256×256) blocks; at the 7×7 bottleneck each block widens the
  // receptive field by 4 bottleneck pixels (16 input pixels), so 3 blocks already let every
  // output pixel see the whole 28×28 input, which a rotation needs.
  blocks: 3,
  // D costs about a tenth of G and F's step (measured: 4–10 ms against 70–120 ms at batch 8),
  // so it gets twice G's width nearly for free; its 2v = 32 matches G's bottleneck 4w.
  dWidth: 16,
} as const;

export const CYCLEGAN_TRAINER_DEFAULTS = {
  // The paper's λ = 10.
  lambda: 10,
  // Off (the authors' code defaults to 0.5, the paper used it for painting ↔ photo only): the
  // identity loss asks G(b) = b, which contradicts G = T for a transform far from the identity,
  // such as inversion or a quarter turn. Measured on MNIST → inverted MNIST after 2 minutes:
  // translation error 0.030 without it, 0.151 with 0.5 (bench/cyclegan-mnist.ts).
  identity: 0,
  // The paper's least-squares GAN.
  dLoss: "least-squares",
  // The paper trains one image at a time; on wasm a step is dominated by per-op overhead, so
  // batch 1 costs about what batch 8 does (measured: 114 against 124 ms for G and F's step at
  // the default widths) and 8 sees 8 times the images; 16 cost 166 ms.
  batchSize: 8,
  // As large as a training batch: E-GAN's D step takes the evaluation batch.
  evalBatchSize: 8,
  // The paper's Adam: lr 2e-4, β1 0.5 (β2 and ε PyTorch's defaults), for both sides.
  adam: { lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
} as const;
