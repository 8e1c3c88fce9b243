import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { useBackend, type Importer } from "../../src/compute/backend.ts";
import { BackendMissing } from "../../src/errors.ts";

const realImport: Importer = (pkg) => import(pkg);

/**
 * Stands in for a GPU machine, which these machines are not: "loading" a native package
 * registers a 'tensorflow' backend (a cpu backend in disguise), as tfjs-node(-gpu) would.
 */
function fakeNative(installed: string[]): Importer {
  return async (pkg) => {
    if (!installed.includes(pkg)) throw new Error(`Cannot find package '${pkg}'`);
    if (!tf.findBackend("tensorflow")) tf.registerBackend("tensorflow", () => tf.findBackendFactory("cpu")!());
  };
}

afterEach(async () => {
  if (tf.findBackend("tensorflow")) tf.removeBackend("tensorflow");
  await tf.setBackend("cpu");
});

describe("backend choice", () => {
  it("auto falls back to wasm here, where neither native package can load", async () => {
    expect(await useBackend("auto", realImport)).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  it("asking for tensorflow-gpu when it is not installed names the package to install", async () => {
    await expect(useBackend("tensorflow-gpu", realImport)).rejects.toThrow(/install it with `npm install @tensorflow\/tfjs-node-gpu`/);
    await expect(useBackend("tensorflow", realImport)).rejects.toBeInstanceOf(BackendMissing);
    await expect(useBackend("tensorflow", realImport)).rejects.toThrow(/npm install @tensorflow\/tfjs-node`/);
  });

  it("auto prefers tfjs-node-gpu, then tfjs-node (fake native packages standing in for a GPU machine)", async () => {
    expect(await useBackend("auto", fakeNative(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]))).toBe("tensorflow-gpu");
    expect(await useBackend("auto", fakeNative(["@tensorflow/tfjs-node"]))).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
  });

  it("cpu and wasm are always available", async () => {
    expect(await useBackend("cpu")).toBe("cpu");
    expect(await useBackend("wasm")).toBe("wasm");
  });
});
