import { describe, expect, it } from "vitest";
import { hyperChanges } from "../../src/report/lineage-html.ts";

describe("hyperChanges", () => {
  it("lists changed values only, comparing mutation-set lists element by element and writing them a+b", () => {
    const before = { "trainer.mutations": ["heuristic", "rsgan"], "trainer.gamma": 2 };
    const same = { "trainer.mutations": ["heuristic", "rsgan"], "trainer.gamma": 2 };
    expect(hyperChanges(before, same)).toEqual([]);
    expect(hyperChanges(before, { ...same, "trainer.mutations": ["least-squares"] })).toEqual(["trainer.mutations: heuristic+rsgan → least-squares"]);
  });
});
