// Device discovery and `--devices` resolution. This machine has no GPU: nvidia-smi's output is
// either passed in as text or produced by a stub `nvidia-smi` script put first on PATH. WebGPU
// adapters come from Dawn on Mesa's CPU Vulkan driver (lavapipe), through the real CLI.
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { collectDeviceInfo, discoverGpus, formatDevices, NVIDIA_SMI_ARGS, resolveDevices, resolveWebgpuDevices, type DeviceInfo, type Exec, type Gpu, type WebgpuDevice } from "../../src/orchestrator/devices.ts";
import { webgpuPin } from "../../src/orchestrator/device-pool.ts";
import { deviceLayerBuilt } from "../../src/compute/vulkan-device-layer.ts";
import { describeThrown, EXIT } from "../../src/cli/exit-codes.ts";
import { evogan } from "../helpers/cli-process.ts";
import { webgpuEnv, webgpuSkipReason } from "../helpers/webgpu-env.ts";

// What `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits` prints on a two-GPU machine.
const TWO_GPUS_CSV = "0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA H100 80GB HBM3, 81559\n";

/**
 * Writes a stub nvidia-smi that prints `csv` for evogan's exact query (exit 9 for other
 * arguments, or always `failWith` when given, as when the driver is not loaded) and puts it first on PATH.
 */
async function stubNvidiaSmi(csv: string, failWith?: number): Promise<{ dir: string; restore: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "evogan-nvsmi-"));
  const file = join(dir, "nvidia-smi");
  await writeFile(
    file,
    failWith !== undefined
      ? `#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."\nexit ${failWith}\n`
      : `#!/bin/sh\nif [ "$1" = "${NVIDIA_SMI_ARGS[0]}" ] && [ "$2" = "${NVIDIA_SMI_ARGS[1]}" ] && [ $# -eq 2 ]; then\ncat <<'EOF'\n${csv}EOF\nexit 0\nfi\necho "stub nvidia-smi: unexpected arguments $*" >&2\nexit 9\n`,
  );
  await chmod(file, 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${path ?? ""}`;
  return {
    dir,
    restore: async () => {
      process.env.PATH = path;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const gpu = (index: number): Gpu => ({ index, name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559 });

describe("discoverGpus", () => {
  it("parses nvidia-smi's CSV for two GPUs and asks for exactly index, name and memory", async () => {
    const calls: string[][] = [];
    const exec: Exec = async (cmd, args) => {
      calls.push([cmd, ...args]);
      return TWO_GPUS_CSV;
    };
    expect(await discoverGpus(exec)).toEqual([gpu(0), gpu(1)]);
    expect(calls).toEqual([["nvidia-smi", "--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"]]);
  });

  it("keeps a name with a comma whole, and an [N/A] memory as undefined", async () => {
    const gpus = await discoverGpus(async () => "0, Tesla T4, rev, B, 15360\r\n\r\n3, GRID K520, [N/A]\n");
    expect(gpus).toEqual([
      { index: 0, name: "Tesla T4, rev, B", memoryMiB: 15360 },
      { index: 3, name: "GRID K520", memoryMiB: undefined },
    ]);
  });

  it("returns [] when nvidia-smi is absent or fails (real spawn of a missing binary)", async () => {
    const saved = process.env.PATH;
    process.env.PATH = join(tmpdir(), "evogan-no-such-dir");
    try {
      expect(await discoverGpus()).toEqual([]);
    } finally {
      process.env.PATH = saved;
    }
    const enoent: Exec = async () => {
      throw Object.assign(new Error("spawn nvidia-smi ENOENT"), { code: "ENOENT" });
    };
    expect(await discoverGpus(enoent)).toEqual([]);
    const failing: Exec = async () => {
      throw Object.assign(new Error("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"), { code: 9 });
    };
    expect(await discoverGpus(failing)).toEqual([]);
    expect(await discoverGpus(async () => "No devices were found\n")).toEqual([]);
  });

  describe("with a stub nvidia-smi on PATH", () => {
    let restore: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await restore?.();
      restore = undefined;
    });

    it("discovers two fake GPUs from a stub nvidia-smi on PATH (no GPU here)", async () => {
      ({ restore } = await stubNvidiaSmi(TWO_GPUS_CSV));
      const gpus = await discoverGpus();
      expect(gpus).toEqual([gpu(0), gpu(1)]);
      expect(resolveDevices("auto", gpus, 2)).toEqual({ kind: "gpu", devices: [0, 1] });
    });

    it("treats a stub nvidia-smi that exits non-zero as no GPU (no GPU here)", async () => {
      ({ restore } = await stubNvidiaSmi(TWO_GPUS_CSV, 9));
      expect(await discoverGpus()).toEqual([]);
    });
  });
});

describe("resolveDevices", () => {
  const two = [gpu(0), gpu(1)];

  it("auto takes every GPU found, else the CPU cores", () => {
    expect(resolveDevices("auto", two, 16)).toEqual({ kind: "gpu", devices: [0, 1] });
    expect(resolveDevices("auto", [], 16)).toEqual({ kind: "cpu", threads: 16 });
    expect(resolveDevices(" AUTO ", [], 0)).toEqual({ kind: "cpu", threads: 1 });
  });

  it("cpu ignores the GPUs", () => {
    expect(resolveDevices("cpu", two, 2)).toEqual({ kind: "cpu", threads: 2 });
  });

  it("takes the GPUs named, in order", () => {
    expect(resolveDevices("1", two, 2)).toEqual({ kind: "gpu", devices: [1] });
    expect(resolveDevices("0,1", two, 2)).toEqual({ kind: "gpu", devices: [0, 1] });
    expect(resolveDevices("1, 0", two, 2)).toEqual({ kind: "gpu", devices: [1, 0] });
  });

  it("names the missing GPU and the ones found", () => {
    expect(() => resolveDevices("0,2", two, 2)).toThrow("GPU 2 not found: nvidia-smi reports GPUs 0, 1");
    expect(() => resolveDevices("0", [], 2)).toThrow(/GPU 0 not found: no GPU was found/);
    expect(() => resolveDevices("0,0", two, 2)).toThrow(/GPU 0 is named twice/);
  });

  it("rejects malformed specs with the accepted forms", () => {
    for (const bad of ["", "gpu", "0,", "-1", "0;1", "1.5", "cuda:0"]) {
      expect(() => resolveDevices(bad, two, 2), bad).toThrow(/^devices: expected "auto", "cpu" or GPU indices .*, got '/);
    }
    // A config error (exit 2, one line), not a defect with a stack.
    const e = (() => {
      try {
        resolveDevices("gpu", two, 2);
      } catch (err) {
        return err;
      }
    })();
    expect(describeThrown(e)).toEqual({ code: EXIT.config, message: `invalid config: devices: expected "auto", "cpu" or GPU indices such as "0" or "0,1", got 'gpu'`, tag: "ConfigError" });
  });
});

const H200: WebgpuDevice = { index: 0, name: "NVIDIA H200", backend: "vulkan", software: false, pinnedBy: "layer" };
const LLVMPIPE: WebgpuDevice = { index: 1, name: "llvmpipe (LLVM 15.0.6, 256 bits)", backend: "vulkan", software: true, pinnedBy: "layer" };
const noWebgpu = async (): Promise<WebgpuDevice[]> => [];

describe("resolveWebgpuDevices (a sweep on backend webgpu)", () => {
  const twin = (index: number, pinnedBy: WebgpuDevice["pinnedBy"]): WebgpuDevice => ({ index, name: "NVIDIA H200", backend: "vulkan", software: false, pinnedBy });
  const fail = (spec: string, adapters: WebgpuDevice[]) => {
    try {
      resolveWebgpuDevices(spec, adapters, 2);
    } catch (e) {
      return describeThrown(e);
    }
    throw new Error("expected a refusal");
  };

  it("auto takes every adapter; cpu and no adapter at all take CPU threads; indices take those adapters in the order given", () => {
    expect(resolveWebgpuDevices("auto", [H200, LLVMPIPE], 4)).toEqual({ kind: "webgpu", adapters: [H200, LLVMPIPE] });
    expect(resolveWebgpuDevices("cpu", [H200], 4)).toEqual({ kind: "cpu", threads: 4 });
    expect(resolveWebgpuDevices("auto", [], 4)).toEqual({ kind: "cpu", threads: 4 });
    expect(resolveWebgpuDevices("1, 0", [H200, LLVMPIPE], 4)).toEqual({ kind: "webgpu", adapters: [LLVMPIPE, H200] });
  });

  it("refuses an adapter that is not listed, one named twice and a malformed list, each in one config line", () => {
    expect(fail("0,3", [H200, LLVMPIPE])).toMatchObject({ code: EXIT.config, message: "invalid config: devices: WebGPU adapter 3 not found: `evogan devices` lists adapters 0, 1" });
    expect(fail("0", [])).toMatchObject({ code: EXIT.config, message: "invalid config: devices: WebGPU adapter 0 not found: no WebGPU adapter was found" });
    expect(fail("1,1", [H200, LLVMPIPE]).message).toBe("invalid config: devices: WebGPU adapter 1 is named twice in '1,1'");
    expect(fail("gpu0", [H200]).message).toMatch(/^invalid config: devices: expected "auto", "cpu" or WebGPU adapter indices/);
  });

  it("pins identical GPUs apart by index through the Vulkan layer, and refuses to when it can only pin by name (Dawn takes the first name that matches)", () => {
    expect(resolveWebgpuDevices("0,1", [twin(0, "layer"), twin(1, "layer")], 2)).toMatchObject({ kind: "webgpu", adapters: [{ index: 0 }, { index: 1 }] });
    expect(resolveWebgpuDevices("0", [twin(0, "name"), twin(1, "name")], 2)).toMatchObject({ kind: "webgpu", adapters: [{ index: 0 }] });
    expect(fail("auto", [twin(0, "name"), twin(1, "name")]).message).toBe(
      "invalid config: devices: WebGPU adapter 1 ('NVIDIA H200') cannot be pinned apart from adapter 0 ('NVIDIA H200'): Dawn picks adapters by name. Build evogan's Vulkan device layer (apt-get install libvulkan-dev, then npm run build:native), or use devices that differ in name instead of 'auto'",
    );
    // A name cut at its first comma (EVOGAN_DAWN_FLAGS is comma-separated) still selects only its own adapter here.
    expect(resolveWebgpuDevices("0,1", [{ ...H200, pinnedBy: "name" }, { ...LLVMPIPE, index: 1, pinnedBy: "name" }], 2)).toMatchObject({ kind: "webgpu" });
    expect(webgpuPin({ ...LLVMPIPE, pinnedBy: "name" }).env).toEqual({ EVOGAN_DAWN_FLAGS: "adapter=llvmpipe (LLVM 15.0.6,backend=vulkan" });
    expect(webgpuPin(LLVMPIPE).env).toMatchObject({ EVOGAN_VULKAN_DEVICE: "1", VK_INSTANCE_LAYERS: expect.stringMatching(/^VK_LAYER_EVOGAN_device_index/) });
  });
});

describe("formatDevices", () => {
  it("lists the usable backends, the GEMM addon, CPUs and GPUs (tfjs-node-gpu faked as installed)", async () => {
    const info = await collectDeviceInfo({
      exec: async () => TWO_GPUS_CSV,
      resolves: (pkg) => pkg !== "@tensorflow/tfjs-node",
      nativeGemm: () => true,
      cpus: 16,
      webgpuAdapters: noWebgpu,
    });
    expect(formatDevices(info)).toBe(
      [
        "backends: tensorflow-gpu, wasm, cpu",
        "  (not installed: @tensorflow/tfjs-node)",
        "native GEMM addon (wasm matmul via OpenBLAS): built",
        "CPUs: 16",
        "GPUs: 2",
        "  0: NVIDIA H100 80GB HBM3, 81559 MiB",
        "  1: NVIDIA H100 80GB HBM3, 81559 MiB",
        "WebGPU adapters: none (no webgpu package, Vulkan loader or Vulkan driver that Dawn accepts)",
      ].join("\n"),
    );
  });

  it("lists the WebGPU adapters Dawn reports, marks the software ones, and offers the webgpu backend", async () => {
    const info = await collectDeviceInfo({ exec: async () => "", resolves: () => true, nativeGemm: () => false, cpus: 2, webgpuAdapters: async () => [H200, LLVMPIPE] });
    expect(info.backends).toEqual(["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"]);
    expect(formatDevices(info).split("\n").slice(-3)).toEqual(["WebGPU adapters: 2", "  0: NVIDIA H200 (vulkan)", "  1: llvmpipe (LLVM 15.0.6, 256 bits) (vulkan, software: slower than wasm)"]);
    const byName = await collectDeviceInfo({ exec: async () => "", resolves: () => true, nativeGemm: () => false, cpus: 2, webgpuAdapters: async () => [{ ...H200, pinnedBy: "name" }] });
    expect(formatDevices(byName).split("\n").at(-1)).toBe("  (pinned by name: adapters that share one cannot be told apart; apt-get install libvulkan-dev, then npm run build:native, pins by index)");
  });

  it("without the webgpu packages asks Dawn nothing, names the packages and offers no webgpu backend", async () => {
    let asked = false;
    const info = await collectDeviceInfo({
      exec: async () => "",
      resolves: (pkg) => pkg !== "webgpu",
      nativeGemm: () => false,
      cpus: 2,
      webgpuAdapters: async () => {
        asked = true;
        return [H200];
      },
    });
    expect(asked).toBe(false);
    expect(info.webgpuAdapters).toEqual([]);
    expect(info.backends).toEqual(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
    expect(formatDevices(info)).toContain("  (not installed: webgpu)");
  });

  it("reports this machine as it is: wasm and cpu, no GPU", async () => {
    const saved = process.env.PATH;
    process.env.PATH = join(tmpdir(), "evogan-no-such-dir");
    try {
      // Dawn's adapters are the CLI tests' business (below): here only what the machine shows without it.
      const text = formatDevices(await collectDeviceInfo({ webgpuAdapters: noWebgpu }));
      expect(text).toMatch(/^backends: (tensorflow, )?wasm, cpu$/m);
      expect(text).toMatch(/^native GEMM addon \(wasm matmul via OpenBLAS\): (built|not built)$/m);
      expect(text).toContain("GPUs: none found");
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe("evogan devices and WebGPU (the real CLI)", () => {
  it("with no Vulkan driver it starts no Dawn code: no adapter, nothing on stderr, and it exits", async () => {
    const r = await evogan(["devices", "--json"], { env: { VK_ICD_FILENAMES: "/nonexistent/evogan-no-driver.json" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as DeviceInfo;
    expect(info.webgpuAdapters).toEqual([]);
    expect(info.backends).not.toContain("webgpu");
  }, 60_000);

  // Debian 12's own lavapipe (Mesa 22), which Dawn rejects with a warning on stderr ("Vulkan
  // shaderUniform*ArrayDynamicIndexing required") and Mesa with another ("XDG_RUNTIME_DIR is invalid").
  const MESA22_ICD = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
  it.skipIf(!existsSync(MESA22_ICD))(`with a Vulkan driver Dawn rejects: no adapter, and none of Dawn's or the driver's warnings on stderr${existsSync(MESA22_ICD) ? "" : ` (skipped: no ${MESA22_ICD}, Debian's mesa-vulkan-drivers)`}`, async () => {
    const r = await evogan(["devices", "--json"], { env: { VK_ICD_FILENAMES: MESA22_ICD } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as DeviceInfo).webgpuAdapters).toEqual([]);
  }, 60_000);

  const skip = webgpuSkipReason();
  const lavapipe = webgpuEnv().VK_ICD_FILENAMES !== undefined;
  it.skipIf(skip !== undefined)(`lists the adapters Dawn sees (on lavapipe: one, software), offers webgpu, and exits on its own${skip ? ` (skipped: ${skip})` : ""}`, async () => {
    const json = await evogan(["devices", "--json"], { env: webgpuEnv() });
    expect(json.code, json.stderr).toBe(0);
    const info = JSON.parse(json.stdout) as DeviceInfo;
    if (lavapipe) expect(info.webgpuAdapters).toEqual([{ index: 0, name: expect.stringMatching(/^llvmpipe \(LLVM /), backend: "vulkan", software: true, pinnedBy: deviceLayerBuilt() ? "layer" : "name" }]);
    else expect(info.webgpuAdapters.length).toBeGreaterThan(0);
    expect(info.backends).toContain("webgpu");
    const text = await evogan(["devices"], { env: webgpuEnv() });
    expect(text.code).toBe(0);
    const a = info.webgpuAdapters[0];
    expect(text.stdout).toContain(`WebGPU adapters: ${info.webgpuAdapters.length}\n  0: ${a.name} (${a.backend}${a.software ? ", software: slower than wasm" : ""})`);
  }, 120_000);
});
