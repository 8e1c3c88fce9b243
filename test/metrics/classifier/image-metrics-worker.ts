// Piscina worker half of the image-metrics test: activates wasm once, then scores the images it is
// sent with imageMetrics, as evogan's training workers do.
import { useBackend } from "../../../src/compute/backend.ts";
import { imageMetrics, type ImageMetrics } from "../../../src/metrics/classifier/image-metrics.ts";

let ready: Promise<unknown> | undefined;

export default async function score(task: { images: Float32Array; count: number }): Promise<ImageMetrics> {
  await (ready ??= useBackend("wasm"));
  return imageMetrics(task.images, task.count);
}
