import { describe, expect, it } from "vitest";
import type { PipelineGraph } from "./pipeline-graph";
import { diffGraphs, isEmptyDiff } from "./graph-diff";

const base: PipelineGraph = {
  nodes: [
    { id: "gen", type: "generator", typeVersion: 1, config: { eventsPerSecond: 10 }, position: { x: 0, y: 0 } },
    { id: "f", type: "filter", typeVersion: 1, config: { expression: "true" }, position: { x: 200, y: 0 } },
  ],
  edges: [{ id: "e1", source: "gen", sourcePort: "out", target: "f", targetPort: "in" }],
};

describe("diffGraphs", () => {
  it("finds no change in an identical graph, ignoring positions and edge ids", () => {
    const moved: PipelineGraph = {
      nodes: base.nodes.map((n) => ({ ...n, position: { x: n.position.x + 5, y: 9 } })),
      edges: base.edges.map((e) => ({ ...e, id: "renamed" })),
    };
    expect(isEmptyDiff(diffGraphs(base, moved))).toBe(true);
  });

  it("reports added, removed and changed nodes with field paths, and edges", () => {
    const next: PipelineGraph = {
      nodes: [
        { ...base.nodes[1]!, config: { expression: 'event.type == "click"' }, label: "Clicks" },
        { id: "sink", type: "kafka-sink", typeVersion: 1, config: { topic: "out" }, position: { x: 400, y: 0 } },
      ],
      edges: [{ id: "e2", source: "f", sourcePort: "out", target: "sink", targetPort: "in" }],
    };
    const d = diffGraphs(base, next);
    expect(d.nodes.added.map((n) => n.id)).toEqual(["sink"]);
    expect(d.nodes.removed.map((n) => n.id)).toEqual(["gen"]);
    expect(d.nodes.changed).toEqual([
      {
        nodeId: "f",
        label: "Clicks",
        changes: [
          { path: "label", before: null, after: "Clicks" },
          { path: "config.expression", before: "true", after: 'event.type == "click"' },
        ],
      },
    ]);
    expect(d.edges.added).toHaveLength(1);
    expect(d.edges.removed).toHaveLength(1);
  });
});
