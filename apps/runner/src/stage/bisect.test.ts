import { describe, expect, it } from "vitest";
import type { EventRecord } from "@sluice/shared";
import { isolate, mergeResults, NODE_FAILED, type NodeResult } from "./bisect";

const events = (n: number): EventRecord[] => Array.from({ length: n }, (_, i) => ({ i }));

/** A 1:1 node that throws for any part holding a bad event; counts its runs. */
function node(bad: Set<number>) {
  const runs: number[][] = [];
  const run = async (subset: EventRecord[]) => {
    runs.push(subset.map((e) => e["i"] as number));
    const hit = subset.find((e) => bad.has(e["i"] as number));
    if (hit) throw new Error(`bad ${hit["i"]}`);
    return {
      result: {
        outputs: { out: subset.map((e) => ({ ...e, ok: true })) },
        errors: [],
        keys: { out: subset.map((e) => `k${e["i"]}`) },
      } satisfies NodeResult,
    };
  };
  return { run, runs };
}

describe("bisecting a failed batch", () => {
  it("dead-letters only the failing events, with the node's error, and keeps the rest in order", async () => {
    const batch = events(16);
    const { run, runs } = node(new Set([5, 11]));
    const { result, kept } = await isolate(batch, new Error("first"), run);
    expect(kept.map((e) => e["i"])).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15]);
    expect(result.outputs["out"]!.map((e) => e["i"])).toEqual(kept.map((e) => e["i"]));
    expect(result.keys!["out"]).toEqual(kept.map((e) => `k${e["i"]}`));
    expect(result.errors.map((f) => [f.event["i"], f.error])).toEqual([
      [5, { code: NODE_FAILED, message: "bad 5" }],
      [11, { code: NODE_FAILED, message: "bad 11" }],
    ]);
    // About 2·log2(n) runs per bad event, not one per event.
    expect(runs.length).toBeLessThanOrEqual(2 * 2 * Math.log2(16));
  });

  it("throws a lost connection instead of dead-lettering (the batch waits for the outage)", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    await expect(isolate(events(4), new Error("first"), async () => Promise.reject(down))).rejects.toBe(down);
  });

  it("merges consecutive parts: outputs, keys, errors and produced messages in order", () => {
    const merged = mergeResults([
      {
        outputs: { out: [{ a: 1 }] },
        errors: [],
        keys: { out: ["x"] },
        produce: [{ topic: "t", key: null, value: "1" }],
      },
      {
        outputs: { out: [{ a: 2 }], other: [{ b: 1 }] },
        errors: [{ event: { c: 1 }, error: { code: "e", message: "m" } }],
      },
      { outputs: {}, errors: [], keys: { out: ["y"] }, produce: [{ topic: "t", key: null, value: "2" }] },
    ]);
    expect(merged).toEqual({
      outputs: { out: [{ a: 1 }, { a: 2 }], other: [{ b: 1 }] },
      keys: { out: ["x", "y"] },
      errors: [{ event: { c: 1 }, error: { code: "e", message: "m" } }],
      produce: [
        { topic: "t", key: null, value: "1" },
        { topic: "t", key: null, value: "2" },
      ],
    });
  });
});
