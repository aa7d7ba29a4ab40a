import type { JsonValue } from "../events/json-value";
import type { PipelineEdge, PipelineGraph, PipelineNode } from "./pipeline-graph";

export type FieldChange = { path: string; before: JsonValue | undefined; after: JsonValue | undefined };
export type NodeChange = { nodeId: string; label: string; changes: FieldChange[] };

export type GraphDiff = {
  nodes: { added: PipelineNode[]; removed: PipelineNode[]; changed: NodeChange[] };
  edges: { added: PipelineEdge[]; removed: PipelineEdge[] };
};

/** Edges are compared by what they connect, not by id: a re-drawn identical edge is no change. */
const edgeKey = (e: PipelineEdge) =>
  `${e.source}:${e.sourcePort}->${e.target}:${e.targetPort}${e.forceTopic ? ":topic" : ""}`;

function isObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Leaf-level differences between two JSON values, as dotted paths (arrays compared whole). */
function diffValues(path: string, a: JsonValue | undefined, b: JsonValue | undefined, out: FieldChange[]): void {
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diffValues(path ? `${path}.${key}` : key, a[key], b[key], out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, before: a, after: b });
}

/**
 * What changed from `from` to `to`: added/removed nodes and edges, and per node the changed type,
 * version, label and config fields. Positions are layout, not behaviour, and are ignored.
 */
export function diffGraphs(from: PipelineGraph, to: PipelineGraph): GraphDiff {
  const before = new Map(from.nodes.map((n) => [n.id, n]));
  const after = new Map(to.nodes.map((n) => [n.id, n]));
  const changed: NodeChange[] = [];
  for (const [id, b] of after) {
    const a = before.get(id);
    if (!a) continue;
    const changes: FieldChange[] = [];
    if (a.type !== b.type) changes.push({ path: "type", before: a.type, after: b.type });
    if (a.typeVersion !== b.typeVersion)
      changes.push({ path: "typeVersion", before: a.typeVersion, after: b.typeVersion });
    if ((a.label ?? "") !== (b.label ?? ""))
      changes.push({ path: "label", before: a.label ?? null, after: b.label ?? null });
    diffValues("config", a.config, b.config, changes);
    if (changes.length > 0) changed.push({ nodeId: id, label: b.label ?? b.type, changes });
  }
  const edgesBefore = new Map(from.edges.map((e) => [edgeKey(e), e]));
  const edgesAfter = new Map(to.edges.map((e) => [edgeKey(e), e]));
  return {
    nodes: {
      added: to.nodes.filter((n) => !before.has(n.id)),
      removed: from.nodes.filter((n) => !after.has(n.id)),
      changed,
    },
    edges: {
      added: [...edgesAfter].filter(([k]) => !edgesBefore.has(k)).map(([, e]) => e),
      removed: [...edgesBefore].filter(([k]) => !edgesAfter.has(k)).map(([, e]) => e),
    },
  };
}

export function isEmptyDiff(d: GraphDiff): boolean {
  return (
    d.nodes.added.length +
      d.nodes.removed.length +
      d.nodes.changed.length +
      d.edges.added.length +
      d.edges.removed.length ===
    0
  );
}
