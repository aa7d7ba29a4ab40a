import { describe, expect, it } from "vitest";
import type { GraphProblem } from "./graph-problem";
import { hasErrors } from "./graph-problem";
import type { PipelineEdge, PipelineGraph, PipelineNode } from "./pipeline-graph";
import { validateGraph } from "./validate-graph";

const position = { x: 0, y: 0 };
const node = (id: string, type: string, config: Record<string, unknown> = {}, typeVersion = 1): PipelineNode => ({
  id,
  type,
  typeVersion,
  config: config as PipelineNode["config"],
  position,
});
const edge = (id: string, source: string, target: string, sourcePort = "out", targetPort = "in"): PipelineEdge => ({
  id,
  source,
  sourcePort,
  target,
  targetPort,
});

/** generator -> filter -> kafka-sink: valid, no problems. */
function baseGraph(): PipelineGraph {
  return {
    nodes: [
      node("gen", "generator"),
      node("purchases", "filter", { condition: 'event.type == "purchase"' }),
      node("out", "kafka-sink", { topic: "analytics.purchases" }),
    ],
    edges: [edge("e1", "gen", "purchases"), edge("e2", "purchases", "out")],
  };
}

const codes = (problems: GraphProblem[]) => problems.map((p) => p.code);

describe("validateGraph", () => {
  it("accepts a well-formed graph without problems", () => {
    expect(validateGraph(baseGraph())).toEqual([]);
  });

  it("reports input that is not a graph", () => {
    const problems = validateGraph({
      nodes: [{ id: "a b", type: "filter", typeVersion: 1, config: {}, position: { x: "1", y: 0 } }],
    });
    expect(problems.every((p) => p.code === "graph.invalid" && p.severity === "error")).toBe(true);
    expect(problems.map((p) => p.field)).toEqual(expect.arrayContaining(["nodes.0.id", "nodes.0.position.x", "edges"]));
    expect(problems.find((p) => p.field === "nodes.0.position.x")?.nodeId).toBe("a b");
  });

  it("reports an empty graph as having no source and no sink", () => {
    expect(codes(validateGraph({ nodes: [], edges: [] }))).toEqual(["graph.no-source", "graph.no-sink"]);
  });

  it("reports duplicate node and edge ids", () => {
    const graph = baseGraph();
    graph.nodes.push(node("gen", "generator"));
    graph.edges.push(edge("e1", "gen", "purchases"));
    const problems = validateGraph(graph);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "node.duplicate-id", nodeId: "gen" }),
        expect.objectContaining({ code: "edge.duplicate-id", edgeId: "e1" }),
      ]),
    );
  });

  it("reports unknown types and versions", () => {
    const graph = baseGraph();
    graph.nodes.push(node("x", "teleport"), node("y", "filter", { condition: "true" }, 9));
    graph.edges.push(edge("e3", "purchases", "x"), edge("e4", "purchases", "y"));
    const problems = validateGraph(graph);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "node.unknown-type", nodeId: "x", severity: "error" }),
        expect.objectContaining({
          code: "node.unknown-type-version",
          nodeId: "y",
          message: expect.stringContaining("current: 1"),
        }),
      ]),
    );
    expect(codes(problems)).not.toContain("edge.unknown-port");
  });

  it("reports one problem per config issue with its field path", () => {
    const graph = baseGraph();
    graph.nodes.push(
      node("w", "window", {
        kind: "hopping",
        size: "1 minute",
        aggregations: [{ name: "total", function: "sum" }],
        extra: true,
      }),
    );
    graph.edges.push(edge("e3", "purchases", "w"), edge("e4", "w", "out"));
    const problems = validateGraph(graph).filter((p) => p.code === "node.invalid-config");
    expect(problems.map((p) => [p.nodeId, p.field])).toEqual(
      expect.arrayContaining([
        ["w", "size"],
        ["w", ""],
        ["w", "slide"],
        ["w", "aggregations.0.field"],
      ]),
    );
  });

  it("reports dangling edges: unknown nodes and ports", () => {
    const graph = baseGraph();
    graph.edges.push(
      edge("to-nowhere", "purchases", "ghost"),
      edge("bad-out", "purchases", "out", "matches"),
      edge("bad-in", "gen", "purchases", "out", "left"),
      edge("into-source", "purchases", "gen"),
    );
    const problems = validateGraph(graph);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "edge.unknown-node", edgeId: "to-nowhere" }),
        expect.objectContaining({ code: "edge.unknown-port", edgeId: "bad-out", port: "matches" }),
        expect.objectContaining({ code: "edge.unknown-port", edgeId: "bad-in", port: "left" }),
        expect.objectContaining({
          code: "edge.unknown-port",
          edgeId: "into-source",
          message: expect.stringContaining("source"),
        }),
      ]),
    );
  });

  it("warns about the same connection drawn twice", () => {
    const graph = baseGraph();
    graph.edges.push(edge("e1-again", "gen", "purchases"));
    expect(validateGraph(graph)).toEqual([
      expect.objectContaining({ code: "edge.duplicate", severity: "warning", edgeId: "e1-again" }),
    ]);
  });

  it("reports port kind mismatches, following passthrough ports", () => {
    const graph = baseGraph();
    graph.nodes.push(
      node("w", "window", { aggregations: [{ name: "n", function: "count" }] }),
      node("all", "filter", { condition: "true" }),
      node("s", "sessionize"),
      node("w2", "window", { eventTimeField: "error.failedAt", aggregations: [{ name: "n", function: "count" }] }),
    );
    graph.edges.push(
      edge("e3", "gen", "w"),
      edge("e4", "w", "all"), // aggregate through a passthrough filter...
      edge("e5", "all", "s"), // ...cannot feed sessionize
      edge("e6", "purchases", "w2", "error"), // dead letters cannot feed a window
      edge("e7", "s", "out", "sessions"),
      edge("e8", "w2", "out"),
    );
    const problems = validateGraph(graph).filter((p) => p.code === "edge.port-kind-mismatch");
    expect(problems.map((p) => p.edgeId).sort()).toEqual(["e5", "e6"]);
    expect(problems.find((p) => p.edgeId === "e5")?.message).toContain("window results");
  });

  it("reports cycles on every edge of the cycle", () => {
    const graph = baseGraph();
    graph.nodes.push(node("m", "map", { assignments: [{ target: "x", expression: "1" }] }));
    graph.edges.push(edge("e3", "purchases", "m"), edge("e4", "m", "purchases"));
    const problems = validateGraph(graph).filter((p) => p.code === "graph.cycle");
    expect(problems.map((p) => p.edgeId).sort()).toEqual(["e3", "e4"]);
  });

  it("reports a missing source or sink", () => {
    expect(codes(validateGraph({ nodes: [node("f", "filter", { condition: "true" })], edges: [] }))).toEqual(
      expect.arrayContaining(["graph.no-source", "graph.no-sink", "node.input-not-connected"]),
    );
  });

  it("reports required inputs left unconnected and warns about unreachable nodes and dead ends", () => {
    const graph = baseGraph();
    graph.nodes.push(node("lonely", "map", { drop: ["context"] }), node("island", "filter", { condition: "true" }));
    graph.edges.push(edge("e3", "island", "lonely"));
    const problems = validateGraph(graph);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: "node.input-not-connected", nodeId: "island", port: "in", severity: "error" }),
        expect.objectContaining({ code: "node.unreachable", nodeId: "island", severity: "warning" }),
        expect.objectContaining({ code: "node.unreachable", nodeId: "lonely", severity: "warning" }),
        expect.objectContaining({ code: "node.output-not-connected", nodeId: "lonely", severity: "warning" }),
      ]),
    );
  });

  it("reports expression errors with the config field and the position inside the expression", () => {
    const graph = baseGraph();
    graph.nodes[1] = node("purchases", "filter", { condition: 'event.type == "purchase" &&\n  event.props.amount >' });
    graph.nodes.push(
      node("m", "map", {
        assignments: [
          { target: "x", expression: "1" },
          { target: "y", expression: '1 + "a"' },
        ],
      }),
    );
    graph.nodes.push(node("r", "route", { routes: [{ port: "odd", condition: 'event.id.matches("(?=a)b")' }] }));
    graph.edges.push(
      edge("e3", "gen", "m"),
      edge("e4", "m", "out"),
      edge("e5", "gen", "r"),
      edge("e6", "r", "out", "odd"),
    );
    const problems = validateGraph(graph);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: "expression.syntax",
          nodeId: "purchases",
          field: "condition",
          position: { line: 2, column: 23, offset: 50 },
        }),
        expect.objectContaining({
          code: "expression.type",
          nodeId: "m",
          field: "assignments.1.expression",
          position: expect.objectContaining({ column: 1 }),
        }),
        expect.objectContaining({ code: "expression.regex", nodeId: "r", field: "routes.0.condition" }),
      ]),
    );
  });

  it("warns about expression and config references to fields no upstream node produces", () => {
    const graph = baseGraph();
    graph.nodes.push(
      node("w", "window", {
        eventTimeField: "ts",
        groupBy: [{ name: "kind", expression: "event.type" }],
        aggregations: [{ name: "n", function: "count" }],
      }),
      node("big", "filter", { condition: "event.n > 10 && event.props.amount > 1" }),
    );
    graph.edges.push(edge("e3", "gen", "w"), edge("e4", "w", "big"), edge("e5", "big", "out"));
    const problems = validateGraph(graph);
    expect(problems).toEqual([
      expect.objectContaining({ code: "field.unknown", nodeId: "w", field: "eventTimeField", severity: "warning" }),
      expect.objectContaining({
        code: "expression.unknown-field",
        nodeId: "big",
        field: "condition",
        severity: "warning",
        position: expect.objectContaining({ column: 17 }),
      }),
    ]);
    expect(hasErrors(problems)).toBe(false);
  });

  it("knows fields added upstream (map targets, enrich targets, schema properties)", () => {
    const graph = baseGraph();
    graph.nodes[1] = node("purchases", "map", { assignments: [{ target: "score", expression: "1" }] });
    graph.nodes.push(node("f", "filter", { condition: "event.score > 0 && event.props.anything == 1" }));
    graph.edges[1] = edge("e2", "purchases", "f");
    graph.edges.push(edge("e3", "f", "out"));
    expect(validateGraph(graph)).toEqual([]);
  });

  it("takes route ports from the config and does not flag them while the config is broken", () => {
    const graph = baseGraph();
    graph.nodes.push(node("r", "route", { routes: [{ port: "vip", condition: 'event.userId == "u1"' }] }));
    graph.edges.push(edge("e3", "gen", "r"), edge("e4", "r", "out", "vip"), edge("e5", "r", "out", "unmatched"));
    expect(validateGraph(graph)).toEqual([]);
    graph.nodes[3] = node("r", "route", { routes: [{ port: "vip" }] });
    expect(codes(validateGraph(graph))).toEqual(["node.invalid-config"]);
  });
});

describe("validateGraph: streams belong to a workspace", () => {
  const withSink = (config: Record<string, unknown>) => {
    const graph = baseGraph();
    graph.nodes[2] = node("out", "kafka-sink", config);
    return graph;
  };
  const withSource = (config: Record<string, unknown>): PipelineGraph => ({
    nodes: [node("src", "kafka-source", config), node("out", "kafka-sink", { topic: "copy" })],
    edges: [edge("e1", "src", "out")],
  });

  it.each([
    ["sluice.ws1.p1.map.out", /internal topics/],
    ["ws.other-team.orders", /workspace namespaces/],
    ["__consumer_offsets", /belong to the broker/],
  ])("refuses topic %s on kafka-sink and kafka-source, on the node's topic field", (topic, message) => {
    for (const [graph, nodeId] of [
      [withSink({ topic }), "out"],
      [withSource({ topic }), "src"],
    ] as const) {
      const found = validateGraph(graph).filter((p) => p.code === "node.reserved-topic");
      expect(found).toEqual([expect.objectContaining({ severity: "error", nodeId, field: "topic" })]);
      expect(found[0]?.message).toMatch(message);
    }
  });

  it("refuses reserved names through a connection too (it could point at Sluice's own brokers)", () => {
    const problems = validateGraph(withSink({ topic: "ws.other.orders", connectionId: "c1" }), {
      connectionIds: ["c1"],
    });
    expect(codes(problems)).toEqual(["node.reserved-topic"]);
  });

  it("accepts own names, and names that only look alike", () => {
    for (const topic of ["orders", "sluice-orders", "wsx.orders", "analytics.ws.orders"]) {
      expect(validateGraph(withSink({ topic }), { slug: "acme", connectionIds: [] })).toEqual([]);
    }
  });

  it("refuses a connection that is not the workspace's, only when it knows the workspace's connections", () => {
    const graph = withSource({ topic: "orders", connectionId: "theirs" });
    expect(validateGraph(graph)).toEqual([]);
    expect(validateGraph(graph, { connectionIds: ["theirs"] })).toEqual([]);
    const problems = validateGraph(graph, { slug: "acme", connectionIds: ["mine"] });
    expect(problems).toEqual([
      expect.objectContaining({
        code: "node.unknown-connection",
        severity: "error",
        nodeId: "src",
        field: "connectionId",
      }),
    ]);
    expect(problems[0]?.message).toMatch(/does not exist in this workspace/);
  });

  it("checks kafka-source's key field, headers switch and consumer group like any config", () => {
    expect(
      validateGraph(
        withSource({ topic: "orders", keyField: "props.key", headersToContext: true, consumerGroup: "team-a" }),
        {
          slug: "acme",
        },
      ),
    ).toEqual([]);
    for (const bad of [
      { keyField: "not a path" },
      { headersToContext: "yes" },
      { consumerGroup: "spaces are not allowed" },
      { consumerGroup: "x".repeat(201) },
      { consumerGroup: "" },
    ]) {
      expect(codes(validateGraph(withSource({ topic: "orders", ...bad })))).toEqual(["node.invalid-config"]);
    }
  });

  it("refuses Sluice's own and namespaced consumer groups, on Sluice's cluster and through a connection", () => {
    for (const connection of [{}, { connectionId: "c1" }]) {
      for (const [group, message] of [
        ["sluice.p2.src", /Sluice's own/],
        ["ws.other-team.orders", /workspace namespaces/],
      ] as const) {
        const problems = validateGraph(withSource({ topic: "orders", consumerGroup: group, ...connection }), {
          connectionIds: ["c1"],
        });
        expect(problems).toEqual([
          expect.objectContaining({ code: "node.reserved-group", nodeId: "src", field: "consumerGroup" }),
        ]);
        expect(problems[0]?.message).toMatch(message);
      }
    }
  });

  it("refuses two sources of one pipeline reading with the same named group on the same cluster", () => {
    const twoSources = (a: Record<string, unknown>, b: Record<string, unknown>): PipelineGraph => ({
      nodes: [
        node("a", "kafka-source", { topic: "orders", ...a }),
        node("b", "kafka-source", { topic: "refunds", ...b }),
        node("out", "kafka-sink", { topic: "copy" }),
      ],
      edges: [edge("e1", "a", "out"), edge("e2", "b", "out")],
    });
    const problems = validateGraph(twoSources({ consumerGroup: "team" }, { consumerGroup: "team" }));
    expect(problems).toEqual([
      expect.objectContaining({ code: "node.duplicate-group", nodeId: "b", field: "consumerGroup" }),
    ]);
    // Different clusters, or one of them on its own group: nothing shared.
    expect(validateGraph(twoSources({ consumerGroup: "team" }, { consumerGroup: "team", connectionId: "c1" }))).toEqual(
      [],
    );
    expect(validateGraph(twoSources({ consumerGroup: "team" }, {}))).toEqual([]);
  });

  it("refuses a name too long for Kafka once the workspace prefix is added", () => {
    const problems = validateGraph(withSink({ topic: "x".repeat(245) }), { slug: "acme" });
    expect(problems).toEqual([expect.objectContaining({ code: "node.reserved-topic", field: "topic" })]);
    expect(
      validateGraph(withSink({ topic: "x".repeat(245), connectionId: "c1" }), { slug: "acme", connectionIds: ["c1"] }),
    ).toEqual([]);
  });
});
