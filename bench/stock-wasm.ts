import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The wasm backend exactly as @tensorflow/tfjs-backend-wasm ships it: no evogan kernels. */
export async function stockWasm(): Promise<"wasm"> {
  await tf.setBackend("wasm");
  await tf.ready();
  return "wasm";
}
