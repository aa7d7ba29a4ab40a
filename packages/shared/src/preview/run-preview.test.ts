import { describe, expect, it } from "vitest";
import type { PipelineGraph } from "../graph/pipeline-graph";
import { runPreview } from "./run-preview";

const position = { x: 0, y: 0 };
const now = Date.parse("2024-05-01T10:00:00Z");

describe("runPreview", () => {
  it("runs sample events through every node and shows sink writes and dead letters", async () => {
    const graph: PipelineGraph = {
      nodes: [
        { id: "in", type: "http-ingest", typeVersion: 1, position, config: { pathKey: "web", apiKeyId: "k" } },
        { id: "big", type: "filter", typeVersion: 1, position, config: { condition: "event.props.amount > 100" } },
        {
          id: "enrich",
          type: "enrich",
          typeVersion: 1,
          position,
          config: { lookup: { kind: "redis", connectionSecretId: "r" }, key: "event.userId", target: "user" },
        },
        {
          id: "db",
          type: "postgres-sink",
          typeVersion: 1,
          position,
          config: {
            connectionSecretId: "s",
            table: "big_orders",
            columns: [
              { column: "id", expression: "event.id" },
              { column: "plan", expression: "event.user.plan" },
            ],
          },
        },
        { id: "dlq", type: "kafka-sink", typeVersion: 1, position, config: { topic: "dead" } },
      ],
      edges: [
        { id: "1", source: "in", sourcePort: "out", target: "big", targetPort: "in" },
        { id: "2", source: "big", sourcePort: "out", target: "enrich", targetPort: "in" },
        { id: "3", source: "enrich", sourcePort: "out", target: "db", targetPort: "in" },
        { id: "4", source: "big", sourcePort: "error", target: "dlq", targetPort: "in" },
      ],
    };
    const preview = await runPreview(graph, {
      now,
      sampleEvents: {
        in: [
          { id: "a", type: "purchase", userId: "u1", props: { amount: 500 } },
          { id: "b", type: "purchase", userId: "u2", props: {} },
          { type: "bad" },
        ],
      },
      lookup: () => async (keys) => new Map(keys.filter((k) => k === "u1").map((k) => [k, { plan: "pro" }])),
    });
    expect(preview.in?.errors.map((e) => e.error.code)).toEqual(["ingest.invalid"]);
    expect(preview.db?.writes).toEqual([{ id: "a", plan: "pro" }]);
    expect(preview.dlq?.writes).toEqual([
      {
        key: null,
        value: {
          event: expect.objectContaining({ id: "b" }),
          error: expect.objectContaining({ code: "expression.evaluation", nodeId: "big" }),
        },
      },
    ]);
  });

  it("skips nodes that cannot run and everything downstream, but runs the rest", async () => {
    const graph: PipelineGraph = {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, position, config: {} },
        { id: "broken", type: "filter", typeVersion: 1, position, config: {} },
        { id: "after", type: "kafka-sink", typeVersion: 1, position, config: { topic: "t" } },
        { id: "ok", type: "kafka-sink", typeVersion: 1, position, config: { topic: "u" } },
      ],
      edges: [
        { id: "1", source: "gen", sourcePort: "out", target: "broken", targetPort: "in" },
        { id: "2", source: "broken", sourcePort: "out", target: "after", targetPort: "in" },
        { id: "3", source: "gen", sourcePort: "out", target: "ok", targetPort: "in" },
      ],
    };
    const preview = await runPreview(graph, { now, generatorCount: 10 });
    expect(Object.fromEntries(Object.entries(preview).map(([id, p]) => [id, p.status]))).toEqual({
      gen: "ran",
      broken: "skipped",
      after: "skipped",
      ok: "ran",
    });
    expect(preview.ok?.writes).toHaveLength(10);
    expect(preview.broken?.reason).toBe("Invalid config");
  });

  it("says why an enrich node without its lookup did not run, and every node downstream names it", async () => {
    const graph: PipelineGraph = {
      nodes: [
        { id: "gen", type: "generator", typeVersion: 1, position, config: {} },
        {
          id: "enrich",
          type: "enrich",
          typeVersion: 1,
          position,
          config: { lookup: { kind: "redis", connectionSecretId: "r" }, key: "event.userId", target: "user" },
        },
        {
          id: "map",
          type: "map",
          typeVersion: 1,
          position,
          config: { assignments: [{ target: "plan", expression: "event.user.plan" }] },
        },
        { id: "sink", type: "kafka-sink", typeVersion: 1, position, config: { topic: "t" } },
        {
          id: "down",
          type: "enrich",
          typeVersion: 1,
          position,
          config: { lookup: { kind: "redis", connectionSecretId: "r" }, key: "event.userId", target: "u" },
        },
      ],
      edges: [
        { id: "1", source: "gen", sourcePort: "out", target: "enrich", targetPort: "in" },
        { id: "2", source: "enrich", sourcePort: "out", target: "map", targetPort: "in" },
        { id: "3", source: "map", sourcePort: "out", target: "sink", targetPort: "in" },
        { id: "4", source: "map", sourcePort: "error", target: "down", targetPort: "in" },
      ],
    };
    const missing = await runPreview(graph, {
      now,
      generatorCount: 5,
      lookup: () => ({ unavailable: 'secret "r" not found' }),
    });
    expect(missing.enrich).toMatchObject({ status: "skipped", reason: 'Needs its lookup (secret "r" not found)' });
    const downstream = 'Not run: "enrich" was skipped (Needs its lookup (secret "r" not found))';
    expect([missing.map?.reason, missing.sink?.reason, missing.down?.reason]).toEqual([
      downstream,
      downstream,
      downstream,
    ]);

    // A lookup that fails while the preview runs is the enrich node's reason too.
    const unreachable = await runPreview(graph, {
      now,
      generatorCount: 5,
      lookup: () => () => Promise.reject(new Error("Lookup unreachable: connection refused")),
    });
    expect(unreachable.enrich).toMatchObject({ status: "skipped", reason: "Lookup unreachable: connection refused" });
    expect(unreachable.sink?.reason).toBe('Not run: "enrich" was skipped (Lookup unreachable: connection refused)');

    // Downstream nodes name the node as the canvas shows it.
    const labelled = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === "enrich" ? { ...n, label: "Add user plan" } : n)),
    };
    const named = await runPreview(labelled, { now, generatorCount: 5, lookup: () => ({ unavailable: "no secret" }) });
    expect(named.sink?.reason).toBe('Not run: "Add user plan" was skipped (Needs its lookup (no secret))');
  });
});
