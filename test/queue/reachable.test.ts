// reachable(): a wrong queue URL is one plain error within the timeout, never a silent wait.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { reachable } from "../../src/queue/reachable.ts";

/** A TCP server that accepts connections and never says a word (not Redis, or a hung one). */
async function silentServer(): Promise<{ server: Server; url: string }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, url: `redis://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

describe("reachable", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
  });

  it("fails within its timeout when something accepts the connection and never answers", async () => {
    const silent = await silentServer();
    server = silent.server;
    await expect(reachable(silent.url, 300)).rejects.toThrow(`cannot reach the queue at ${silent.url}: no answer within 0.3 s`);
  });

  it("names the URL and the refusal when nothing listens", async () => {
    const silent = await silentServer();
    await new Promise((resolve) => silent.server.close(resolve));
    await expect(reachable(silent.url, 5000)).rejects.toThrow(new RegExp(`^cannot reach the queue at ${silent.url.replace(/[.]/g, "\\.")}: connect ECONNREFUSED`));
  });
});
