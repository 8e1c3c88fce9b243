// An image model whose generate and discriminate calls are counted: how many passes an iteration
// makes, checked without a clock.
import type { ImageGanModel } from "../../src/models/image/image-model.ts";

export interface ModelCalls {
  generate: number;
  discriminate: number;
}

/** `model` with its G and D passes counted in `calls` (reset them between iterations). */
export function countedModel(model: ImageGanModel): { model: ImageGanModel; calls: ModelCalls } {
  const calls: ModelCalls = { generate: 0, discriminate: 0 };
  return {
    calls,
    model: {
      ...model,
      generate: (...a: Parameters<ImageGanModel["generate"]>) => (calls.generate++, model.generate(...a)),
      discriminate: (...a: Parameters<ImageGanModel["discriminate"]>) => (calls.discriminate++, model.discriminate(...a)),
    },
  };
}
