import { describe, expect, it } from "vitest";
import type { PipelineGraph } from "./pipeline-graph";
import { parsePipelineSettings, partitionChangeProblem, PipelineSettings } from "./pipeline-settings";

const node = (id: string, type: string): PipelineGraph["nodes"][number] => ({
  id,
  type,
  typeVersion: 1,
  config: {},
  position: { x: 0, y: 0 },
});
const stateless: PipelineGraph = { nodes: [node("gen", "generator"), node("f", "filter")], edges: [] };
const windowed: PipelineGraph = { nodes: [node("gen", "generator"), node("w", "window")], edges: [] };

describe("pipeline settings", () => {
  it("defaults to the runner's settings and rejects out-of-range or unknown fields", () => {
    expect(parsePipelineSettings({})).toEqual({ topics: {}, batch: {} });
    expect(parsePipelineSettings(null)).toEqual({ topics: {}, batch: {} });
    expect(parsePipelineSettings({ topics: { partitions: -1 } })).toEqual({ topics: {}, batch: {} });
    expect(PipelineSettings.safeParse({ topics: { partitions: 0 } }).success).toBe(false);
    expect(PipelineSettings.safeParse({ topics: { partitions: 2.5 } }).success).toBe(false);
    expect(PipelineSettings.safeParse({ topics: { retentionHours: 0.5 } }).success).toBe(false);
    expect(PipelineSettings.safeParse({ batch: { lingerMs: 10_000 } }).success).toBe(false);
    expect(PipelineSettings.safeParse({ topics: { partition: 3 } }).success).toBe(false);
    expect(
      PipelineSettings.parse({
        topics: { partitions: 3, replicationFactor: 3, retentionHours: 24 },
        batch: { maxRecords: 100 },
      }),
    ).toEqual({
      topics: { partitions: 3, replicationFactor: 3, retentionHours: 24 },
      batch: { maxRecords: 100 },
    });
  });

  it("allows growing partitions only without keyed state, and never shrinking", () => {
    expect(partitionChangeProblem(stateless, 6, 6)).toBeNull();
    expect(partitionChangeProblem(stateless, 6, 12)).toBeNull();
    expect(partitionChangeProblem(stateless, 6, 3)).toMatch(/cannot reduce/);
    expect(partitionChangeProblem(windowed, 6, 6)).toBeNull();
    expect(partitionChangeProblem(windowed, 6, 12)).toMatch(/state of w/);
  });
});
