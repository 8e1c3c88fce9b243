// The webgpu backend (Dawn) against the cpu backend, on a real Vulkan driver: the machine's GPU, or
// Mesa's CPU driver (lavapipe, scripts/install-lavapipe.sh) in CI. tfjs backends are global to a
// process and Dawn keeps the event loop alive, so each check runs in a child process
// (test/compute/webgpu-child.ts); these tests read its result.
//
// Tolerances: float32 on both sides, different summation orders (GPU reductions are tree-shaped).
//   kernels  max |webgpu − cpu| ≤ 1e-4 · max |cpu| + 1e-6 for each captured call (measured: ≤ ~1e-6 relative)
//   trainers fitness values and D's loss within 1e-5 relative; every weight and Adam moment after
//            the iteration within 1e-5 of the largest one; the same survivors.
// They run, not skip, where CI is set: there a missing driver is a failure.
import { describe, expect, it } from "vitest";
import { BackendMissing } from "../../src/errors.ts";
import { missingVulkanDriver, parseAdapterList, vulkanLoaderPresent } from "../../src/compute/webgpu-backend.ts";
import { useBackend } from "../../src/compute/backend.ts";
import { evogan } from "../helpers/cli-process.ts";
import { runWebgpuChild, webgpuEnv, webgpuSkipReason } from "../helpers/webgpu-env.ts";
import type { TrainerRecord } from "../../src/trainers/trainer.ts";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const skip = webgpuSkipReason();
const SLOW = 600_000; // the cpu backend's conv gradients are the slow side (~1–2 min on 2 busy cores)

interface KernelRow {
  kernel: string;
  shapes: string;
  maxAbs: number;
  maxRef: number;
  nanMismatch: number;
  error?: string;
}

interface Compared {
  backend: string;
  cpu: TrainerRecord[];
  webgpu: TrainerRecord[];
  state: { sameLayout: boolean; arrays: number; maxAbs: number; maxRef: number };
}

function expectSameIteration(r: Compared): void {
  expect(r.backend).toBe("webgpu");
  expect(r.webgpu.map((x) => x.it)).toEqual(r.cpu.map((x) => x.it));
  r.cpu.forEach((want, i) => {
    const got = r.webgpu[i];
    expect(got.survivors).toEqual(want.survivors);
    want.children.forEach((c, j) => {
      expect(got.children[j].mutation).toBe(c.mutation);
      expect(Math.abs(got.children[j].Fq - c.Fq)).toBeLessThanOrEqual(1e-5 * Math.abs(c.Fq));
      expect(Math.abs(got.children[j].Fd - c.Fd)).toBeLessThanOrEqual(1e-5 * Math.abs(c.Fd));
    });
    // Selection is decided, not a tie broken by rounding: the survivors beat the rest by more than the tolerance.
    const F = want.children.map((c) => c.F);
    const worstKept = Math.min(...want.survivors.map((s) => F[s]));
    const bestDropped = Math.max(-Infinity, ...F.filter((_, k) => !want.survivors.includes(k)));
    expect(worstKept - bestDropped).toBeGreaterThan(1e-5);
    expect(Math.abs(got.dLoss - want.dLoss)).toBeLessThanOrEqual(1e-5 * Math.abs(want.dLoss));
  });
  expect(r.state.sameLayout).toBe(true);
  expect(r.state.arrays).toBeGreaterThan(10);
  expect(r.state.maxAbs).toBeLessThanOrEqual(1e-5 * r.state.maxRef);
}

describe.skipIf(skip !== undefined)(`webgpu backend vs cpu${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it(
    "every kernel one iteration and sampling of each model family calls on cpu (forward and gradient kernels), replayed on webgpu with the same inputs, matches",
    async () => {
      const { result, stderr } = await runWebgpuChild("kernels");
      const r = result as { backend: string; perFamily: Record<string, string[]>; rows: KernelRow[]; filterPort: { checked: number; mismatched: number; substituted: number }; error?: unknown };
      expect(r?.error, stderr.slice(-2000)).toBeUndefined();
      expect(r.backend).toBe("webgpu");
      // Each family really ran, through the kernels that matter (so the comparison is not vacuous).
      expect(r.perFamily.mlp).toEqual(expect.arrayContaining(["BatchMatMul", "Sigmoid", "Sum"]));
      for (const family of ["dcgan", "biggan", "bigbigan"]) {
        expect(r.perFamily[family]).toEqual(expect.arrayContaining(["Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput"]));
      }
      const all = new Set(Object.values(r.perFamily).flat());
      expect(new Set(r.rows.map((x) => x.kernel))).toEqual(all);
      // Calls not captured may run webgpu-child.ts's port of the cpu filter gradient: it gave the cpu kernel's bits on every geometry's first call.
      expect(r.filterPort.checked).toBeGreaterThan(0);
      expect(r.filterPort.mismatched).toBe(0);
      const bad = r.rows.filter((x) => x.error !== undefined || x.nanMismatch > 0 || !(x.maxAbs <= 1e-4 * x.maxRef + 1e-6));
      expect(bad).toEqual([]);
    },
    SLOW,
  );

  it(
    "one toy E-GAN iteration (fast path, 3 mutations, μ = 2, n_D = 2) on webgpu: the same survivors, fitness, D loss and weights as on cpu",
    async () => {
      const { result, stderr } = await runWebgpuChild("egan");
      expect((result as { error?: unknown })?.error, stderr.slice(-2000)).toBeUndefined();
      expectSameIteration(result as Compared);
    },
    SLOW,
  );

  it(
    "one DCGAN E-GAN iteration (2 mutations) on webgpu: the same survivor, fitness, D loss and weights as on cpu",
    async () => {
      const { result, stderr } = await runWebgpuChild("dcgan");
      expect((result as { error?: unknown })?.error, stderr.slice(-2000)).toBeUndefined();
      expectSameIteration(result as Compared);
      // The cpu side's filter gradients: the cpu kernel's bits (webgpu-child.ts's checked port).
      const { filterPort } = result as { filterPort: { checked: number; mismatched: number } };
      expect(filterPort.checked).toBeGreaterThan(0);
      expect(filterPort.mismatched).toBe(0);
    },
    SLOW,
  );

  it("lists the adapters Dawn sees (for `evogan devices`): here at least the one the tests run on", async () => {
    const { result, stderr } = await runWebgpuChild("list");
    const { adapters } = result as { adapters: Array<{ backend: string; name: string }> };
    expect(adapters.length, stderr.slice(-2000)).toBeGreaterThan(0);
    if (webgpuEnv().VK_ICD_FILENAMES) expect(adapters).toContainEqual({ backend: "vulkan", name: expect.stringMatching(/^llvmpipe/) });
  }, SLOW);

  it(
    "`auto` does not pick a CPU Vulkan adapter (lavapipe) over wasm, even where a GPU device node exists",
    async () => {
      const { result, stderr } = await runWebgpuChild("auto");
      const r = result as { backend: string; active: string };
      expect(r, stderr.slice(-2000)).toBeDefined();
      // On a machine with a hardware adapter `auto` takes webgpu; the CPU driver must lose to wasm.
      if (webgpuEnv().VK_ICD_FILENAMES) expect(r).toEqual({ backend: "wasm", active: "wasm" });
      else expect(["wasm", "webgpu"]).toContain(r.backend);
    },
    SLOW,
  );
});

describe("webgpu backend, missing pieces (one-line errors naming what is missing)", () => {
  it("no adapter: `evogan run --backend webgpu` with VK_ICD_FILENAMES naming no driver exits 3 with one line, and leaves no run directory", async () => {
    const out = await mkdtemp(join(tmpdir(), "evogan-webgpu-"));
    const r = await evogan(["run", "--set", "budget.iterations=2", "--set", "model.gHidden=[8]", "--set", "model.dHidden=[8]", "--set", `outDir=${out}`, "--set", "name=nogpu", "--backend", "webgpu"], {
      env: { VK_ICD_FILENAMES: "/nonexistent/evogan-no-driver.json" },
    });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/backend 'webgpu' is not available: no GPU adapter: .*install-lavapipe\.sh .*VK_ICD_FILENAMES=\/nonexistent\/evogan-no-driver\.json: no such driver file/);
    expect(await readdir(out)).toEqual([]);
  }, 120_000);

  it("no Vulkan loader: a BackendMissing naming libvulkan.so.1's stand-in and the Debian package", async () => {
    expect(vulkanLoaderPresent("libvulkan-evogan-missing.so.1")).toBe(false);
    const e = await useBackend("webgpu", undefined, { vulkanLoader: "libvulkan-evogan-missing.so.1" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendMissing);
    expect((e as BackendMissing).message).toMatch(/^backend 'webgpu' is not available: no Vulkan loader \(libvulkan-evogan-missing\.so\.1\): install it with `apt-get install libvulkan1`/);
    expect((e as BackendMissing).message.split("\n")).toHaveLength(1);
  });

  it("no webgpu package: a BackendMissing naming the npm package to install", async () => {
    const importer = async (pkg: string) => {
      throw new Error(`Cannot find package '${pkg}'`);
    };
    const e = await useBackend("webgpu", importer).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendMissing);
    expect((e as BackendMissing).message).toBe("backend 'webgpu' is not available: install it with `npm install webgpu` (Cannot find package 'webgpu')");
  });

  it("reads Dawn's adapter list", () => {
    const message = "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA H200'\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'";
    expect(parseAdapterList(message)).toEqual([
      { backend: "vulkan", name: "NVIDIA H200" },
      { backend: "vulkan", name: "llvmpipe (LLVM 15.0.6, 256 bits)" },
    ]);
    expect(parseAdapterList("no suitable backends found")).toEqual([]);
  });

  it("tells a driver file that is not there from one that is, by VK_ICD_FILENAMES / VK_DRIVER_FILES", () => {
    expect(missingVulkanDriver({ VK_ICD_FILENAMES: "/nonexistent/a.json:/nonexistent/b.json" })).toMatch(/^VK_ICD_FILENAMES=.*: no such driver file$/);
    expect(missingVulkanDriver({ VK_DRIVER_FILES: "/nonexistent/a.json" })).toMatch(/^VK_DRIVER_FILES=/);
    expect(missingVulkanDriver({ VK_ICD_FILENAMES: `/nonexistent/a.json:${new URL(import.meta.url).pathname}` })).toBeUndefined();
  });
});
