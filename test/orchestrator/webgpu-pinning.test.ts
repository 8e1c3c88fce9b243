// One host process per WebGPU adapter, pinned by evogan's Vulkan device layer
// (src/compute/vulkan-layer/device_index_layer.c). This machine has no GPU: two driver manifests
// naming the same lavapipe library stand in for two identical GPUs (the Vulkan loader loads the
// driver once per manifest, and Dawn then lists two adapters with one name, as on a machine with
// two of one GPU model). Everything else is real: the loader, the layer, Dawn, the host processes
// and E-GAN members training on webgpu in them. What cannot be checked here is that two
// physically different devices end up in the two processes: both stand-ins compute alike.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deviceLayerBuilt, deviceLayerEnv } from "../../src/compute/vulkan-device-layer.ts";
import { devicePool, memberPoolFor, type DevicePool } from "../../src/orchestrator/device-pool.ts";
import { discoverWebgpuAdapters, resolveWebgpuDevices, type WebgpuDevice } from "../../src/orchestrator/devices.ts";
import type { AdvanceResult, InitResult, WorkerTask } from "../../src/worker/protocol.ts";
import { tinyMember } from "../helpers/tiny-member.ts";
import { runWebgpuChild, webgpuEnv } from "../helpers/webgpu-env.ts";
import { evogan } from "../helpers/cli-process.ts";
import { EXIT } from "../../src/cli/exit-codes.ts";

const lavapipe = webgpuEnv();
// CI installs lavapipe and libvulkan-dev (.ci/run), so there these run; elsewhere they need both.
const skip = process.env.CI ? undefined : !lavapipe.VK_ICD_FILENAMES ? "no lavapipe in .lvp25 (scripts/install-lavapipe.sh)" : !deviceLayerBuilt() ? "the Vulkan device layer is not built (apt-get install libvulkan-dev; npm run build:native)" : undefined;
const SLOW = 120_000;

const initWebgpu = (memberId: string): WorkerTask => ({ kind: "init", memberId, backend: "webgpu", config: tinyMember });

describe.skipIf(skip !== undefined)(`WebGPU adapters pinned by index (two copies of lavapipe's driver stand in for two identical GPUs)${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let dir: string;
  let twoIcds: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "evogan-two-icds-"));
    const icd = JSON.parse(await readFile(lavapipe.VK_ICD_FILENAMES, "utf8")) as { ICD: { library_path: string } };
    // The copy names the library by absolute path, so it loads from wherever the manifest is.
    icd.ICD.library_path = join(lavapipe.LD_LIBRARY_PATH.split(":")[0], "libvulkan_lvp.so");
    await writeFile(join(dir, "lvp_copy.json"), JSON.stringify(icd));
    twoIcds = { ...lavapipe, VK_ICD_FILENAMES: `${lavapipe.VK_ICD_FILENAMES}:${join(dir, "lvp_copy.json")}` };
    // The pool's hosts and `evogan devices`' child inherit this process's environment.
    Object.assign(process.env, twoIcds);
  });

  afterAll(async () => {
    for (const k of Object.keys(twoIcds)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "the layer shows a process the one device at its index, none past the last, and all of them when no index is set",
    async () => {
      const list = async (env: Record<string, string>) => {
        const { code, result, stderr } = await runWebgpuChild("list", { ...twoIcds, ...env });
        expect(code, stderr.slice(-2000)).toBe(0);
        return (result as { adapters: Array<{ name: string }> }).adapters;
      };
      const all = await list({});
      expect(all).toHaveLength(2);
      expect(all[0].name).toBe(all[1].name); // identical: Dawn's adapter=<name> could not pick the second
      expect(await list(deviceLayerEnv(0))).toHaveLength(1);
      expect(await list(deviceLayerEnv(1))).toEqual([all[1]]);
      // Past the last device: none, and no crash (Mesa's device-select layer, which crashes then, is off).
      expect(await list(deviceLayerEnv(2))).toEqual([]);

      // The device behind index 1 works: webgpu opens on it and computes.
      const { result, stderr } = await runWebgpuChild("open", { ...twoIcds, ...deviceLayerEnv(1) });
      expect(result, stderr.slice(-2000)).toMatchObject({ backend: "webgpu", product: [7, 10, 15, 22] });
    },
    SLOW,
  );

  it(
    "`evogan sweep` on backend webgpu trains its members on one adapter each, and refuses an adapter that is not there before starting anything",
    async () => {
      const sweep = (devices: string) => {
        const config = join(dir, `sweep-${devices.replace(",", "-")}.json`);
        return writeFile(
          config,
          JSON.stringify({
            name: "pinned",
            outDir: join(dir, "runs"),
            backend: "webgpu",
            devices,
            population: { base: { task: { dataset: "ring8" }, model: { gHidden: [8], dHidden: [8] }, trainer: { batchSize: 8, evalBatchSize: 16 } }, members: 2 },
            strategy: { kind: "pbt", quantile: 0.5 },
            generations: 1,
            segment: { iterations: 2 },
            eval: { samples: 100 },
          }),
        ).then(() => evogan(["sweep", config], { env: twoIcds }));
      };
      const ok = await sweep("0,1");
      expect(ok.code, ok.stderr.slice(-2000)).toBe(0);
      expect(ok.stdout).toMatch(/2 members, pbt, 1 generations × 2 iterations, backend webgpu \(matmul: WebGPU .*\), 2 worker slot\(s\)/);
      const bad = await sweep("0,5");
      expect(bad.code).toBe(EXIT.config);
      expect(bad.stderr.trim()).toBe("evogan: invalid config: devices: WebGPU adapter 5 not found: `evogan devices` lists adapters 0, 1");
    },
    SLOW,
  );

  it(
    "where the loader leaves the layer out, `evogan devices` lists the twins as pinned by name, and a sweep over both is refused in one line",
    async () => {
      const r = await evogan(["devices", "--json"], { env: { ...twoIcds, VK_LOADER_LAYERS_DISABLE: "VK_LAYER_EVOGAN_device_index" } });
      expect(r.code, r.stderr).toBe(0);
      const { webgpuAdapters } = JSON.parse(r.stdout) as { webgpuAdapters: WebgpuDevice[] };
      expect(webgpuAdapters.map((a) => [a.index, a.pinnedBy])).toEqual([
        [0, "name"],
        [1, "name"],
      ]);
      expect(() => resolveWebgpuDevices("auto", webgpuAdapters, 2)).toThrow(/^devices: WebGPU adapter 1 \('llvmpipe[^']*'\) cannot be pinned apart from adapter 0/);
      expect(resolveWebgpuDevices("0", webgpuAdapters, 2)).toMatchObject({ kind: "webgpu", adapters: [{ index: 0 }] });
    },
    SLOW,
  );

  describe("the pool", () => {
    let pool: DevicePool | undefined;
    afterEach(async () => {
      await pool?.destroy();
      pool = undefined;
    });

    it(
      "`evogan devices` lists each Vulkan device by the index that pins it, and a webgpu sweep's pool puts one host on each, training members on webgpu",
      async () => {
        const adapters = await discoverWebgpuAdapters();
        expect(adapters.map((a) => [a.index, a.pinnedBy, a.software])).toEqual([
          [0, "layer", true],
          [1, "layer", true],
        ]);
        const plan = resolveWebgpuDevices("0,1", adapters, 2);
        expect(plan).toEqual({ kind: "webgpu", adapters });
        if (plan.kind !== "webgpu") throw new Error("unreachable");
        pool = (await memberPoolFor(plan)) as DevicePool;
        expect(pool.describe).toEqual(adapters.map((a) => `WebGPU adapter ${a.index}, ${a.name} (EVOGAN_VULKAN_DEVICE=${a.index}), thread 0`));
        const who = await Promise.all([pool.whoami(0), pool.whoami(1)]);
        expect(who.map((w) => w.vulkanDevice)).toEqual(["0", "1"]);
        expect(new Set([...who.map((w) => w.pid), process.pid]).size).toBe(3);

        const inits = await Promise.all([pool.run<InitResult>(0, initWebgpu("a")), pool.run<InitResult>(1, initWebgpu("b"))]);
        expect(inits.map((r) => r.backend)).toEqual(["webgpu", "webgpu"]);
        const advanced = await Promise.all(["a", "b"].map((id, slot) => pool!.run<AdvanceResult>(slot, { kind: "advance", memberId: id, iterations: 2 })));
        for (const r of advanced) expect(r.records.map((x) => x.it)).toEqual([1, 2]);
      },
      SLOW,
    );

    it("an adapter index past the last one is refused before any host starts, naming what `evogan devices` lists", async () => {
      const adapters: WebgpuDevice[] = await discoverWebgpuAdapters();
      expect(() => resolveWebgpuDevices("0,2", adapters, 2)).toThrow(/^devices: WebGPU adapter 2 not found: `evogan devices` lists adapters 0, 1$/);
      // A pool asked for it anyway starts a host that sees no device: its member's init says so.
      pool = await devicePool([{ index: 2, label: "WebGPU adapter 2", env: deviceLayerEnv(2) }]);
      await expect(pool.run(0, initWebgpu("c"))).rejects.toMatchObject({ _tag: "BackendMissing" });
    }, SLOW);
  });
});
