// The deadline of a sweep for a lost Redis: EVOGAN_QUEUE_RECONNECT_S, or the default with its reason.
import { describe, expect, it } from "vitest";
import { REDIS_LOST_DEADLINE_MS } from "../../src/queue/redis-watch.ts";
import { lostDeadlineMs, RECONNECT_ENV } from "../../src/queue/sweep-queue-pool.ts";

describe("lostDeadlineMs", () => {
  it("is REDIS_LOST_DEADLINE_MS unless EVOGAN_QUEUE_RECONNECT_S gives seconds", () => {
    expect(lostDeadlineMs({})).toBe(REDIS_LOST_DEADLINE_MS);
    expect(lostDeadlineMs({ [RECONNECT_ENV]: "" })).toBe(REDIS_LOST_DEADLINE_MS);
    expect(lostDeadlineMs({ [RECONNECT_ENV]: "2.5" })).toBe(2500);
  });

  it("refuses a value that is not a positive number, naming the variable", () => {
    for (const bad of ["0", "-3", "soon", "Infinity"]) expect(() => lostDeadlineMs({ [RECONNECT_ENV]: bad })).toThrow(`${RECONNECT_ENV} must be a positive number of seconds, got '${bad}'`);
  });
});
