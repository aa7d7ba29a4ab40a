import { describe, expect, it } from "vitest";
import { createNodeHealth, mergeNodeStatus, pipelineHealth } from "./node-health";

const failure = (message: string) => ({ event: {}, error: { code: "x", message } });

describe("node health", () => {
  it("fails on a throw or an all-rejected batch, recovers on a batch that partly passes", () => {
    const health = createNodeHealth(["a", "b"]);
    expect(health.status()).toEqual({ a: { state: "running" }, b: { state: "running" } });
    health.failed("a", new Error("connect ECONNREFUSED 127.0.0.1:5432"));
    health.processed("b", 3, [failure("bad"), failure("bad"), failure("bad")]);
    expect(health.status()).toEqual({
      a: { state: "failing", reason: "connect ECONNREFUSED 127.0.0.1:5432" },
      b: { state: "failing", reason: "rejected all 3 events of its last batch: bad" },
    });
    expect(pipelineHealth(health.status()).state).toBe("failing");
    health.processed("a", 0, []);
    expect(health.status()["a"]?.state).toBe("failing");
    health.processed("a", 2, [failure("one poison event")]);
    health.processed("b", 1, []);
    expect(health.status()).toEqual({ a: { state: "running" }, b: { state: "running" } });
    expect(pipelineHealth(health.status())).toEqual({ state: "running", reason: null });
  });

  it("merges processes' views: failing anywhere wins, with its reason", () => {
    const merged = mergeNodeStatus([
      { sink: { state: "running" }, map: { state: "running" } },
      { sink: { state: "failing", reason: "timeout" }, map: { state: "starting" } },
    ]);
    expect(merged).toEqual({ map: { state: "running" }, sink: { state: "failing", reason: "timeout" } });
    expect(pipelineHealth(merged)).toEqual({ state: "failing", reason: "node sink: timeout" });
    expect(mergeNodeStatus([])).toEqual({});
  });
});
