// SGAN's discriminator defaults, in a module of their own (no tfjs) so that the run config's
// defaults (src/config/run-config.ts, FAMILY_DEFAULTS.sgan) and the model read the same values.
export const SGAN_D_DEFAULTS = {
  // Salimans et al. 2016's MNIST D (improved-gan, train_mnist_feature_matching.py).
  dHidden: [1000, 500, 250, 250, 250],
  // Their σ = 0.3 on pixels in [0, 1]; evogan's pixels span [−1, 1], twice the range.
  inputNoise: 0.6,
  // Their σ = 0.5 after every hidden layer.
  hiddenNoise: 0.5,
} as const;
