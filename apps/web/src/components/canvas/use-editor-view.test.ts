import { describe, expect, it } from "vitest";
import type { PipelineGraph } from "@sluice/shared";
import { editorViewKey, parseEditorView } from "./use-editor-view";

const graph: PipelineGraph = {
  nodes: ["gen", "keep"].map((id) => ({ id, type: "filter", typeVersion: 1, config: {}, position: { x: 0, y: 0 } })),
  edges: [{ id: "e1", source: "gen", sourcePort: "out", target: "keep", targetPort: "in" }],
};

describe("remembered editor view", () => {
  it("restores viewport and selection, dropping ids the graph no longer has", () => {
    const raw = JSON.stringify({
      viewport: { x: -40, y: 12, zoom: 1.5 },
      nodes: ["keep", "deleted"],
      edges: ["e1", "e9"],
    });
    expect(parseEditorView(raw, graph)).toEqual({
      viewport: { x: -40, y: 12, zoom: 1.5 },
      nodes: ["keep"],
      edges: ["e1"],
    });
    expect(parseEditorView(JSON.stringify({ viewport: null, nodes: [], edges: [] }), graph)).toEqual({
      viewport: null,
      nodes: [],
      edges: [],
    });
  });

  it("ignores what is absent, unreadable or not a view", () => {
    expect(parseEditorView(null, graph)).toBeNull();
    expect(parseEditorView("{not json", graph)).toBeNull();
    expect(
      parseEditorView(JSON.stringify({ viewport: { x: 0, y: 0, zoom: 0 }, nodes: [], edges: [] }), graph),
    ).toBeNull();
    expect(parseEditorView(JSON.stringify({ nodes: "gen" }), graph)).toBeNull();
  });

  it("keeps one entry per pipeline", () => {
    expect(editorViewKey("p1")).not.toBe(editorViewKey("p2"));
  });
});
