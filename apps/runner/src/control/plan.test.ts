import { describe, expect, it } from "vitest";
import { graph, sinkColumns } from "../../test/graphs";
import {
  compilePlan,
  DEFAULT_TOPIC_SETTINGS,
  foreignGroups,
  foreignTopics,
  parsePipelineSettings,
  type Plan,
  planNodeIds,
  topicOverrides,
} from "@sluice/shared";

const ws = "ws1";
const slug = "acme";
const pid = "p1";
const t = (node: string, port: string) => `sluice.${ws}.${pid}.${node}.${port}`;

function plan(g: unknown): Plan {
  const result = compilePlan({ workspaceId: ws, workspaceSlug: slug, pipelineId: pid, graph: g });
  if (!result.ok) throw new Error(result.reason);
  return result.plan;
}

const ingest = { id: "ingest", type: "http-ingest", config: { pathKey: "web-events", apiKeyId: "k1" } } as const;

describe("compilePlan", () => {
  it("fuses a stateless chain into its sink, with a topic after the source and one DLQ per node", () => {
    const p = plan(
      graph(
        [
          ingest,
          { id: "validate", type: "validate" },
          { id: "filter", type: "filter", config: { condition: 'event.type != "bot"' } },
          { id: "map", type: "map" },
          { id: "sink", type: "postgres-sink", config: sinkColumns },
        ],
        [
          ["ingest", "validate"],
          ["validate", "filter"],
          ["filter", "map"],
          ["map", "sink"],
        ],
      ),
    );
    expect(p.stages).toHaveLength(1);
    const [stage] = p.stages;
    expect(stage?.id).toBe("validate");
    expect(stage?.groupId).toBe("sluice.p1.validate");
    expect(stage?.nodes.map((n) => n.id)).toEqual(["validate", "filter", "map", "sink"]);
    expect(stage?.inputTopics).toEqual([t("ingest", "out")]);
    expect(stage?.routes["validate"]).toEqual({ out: { next: "filter" }, error: { topic: t("validate", "dlq") } });
    expect(p.topics.map((x) => x.name)).toEqual(
      [
        t("filter", "dlq"),
        t("ingest", "dlq"),
        t("ingest", "out"),
        t("map", "dlq"),
        t("sink", "dlq"),
        t("validate", "dlq"),
      ].sort(),
    );
    expect(p.ingest).toMatchObject([{ nodeId: "ingest", pathKey: "web-events", topic: t("ingest", "out") }]);
  });

  it("puts a topic after key-by, before windows (keyed by the window's group), at fan-out and fan-in, and on forced edges", () => {
    const p = plan(
      graph(
        [
          ingest,
          { id: "filter", type: "filter", config: { condition: "true" } },
          { id: "keyby", type: "key-by", config: { key: "event.userId" } },
          {
            id: "win",
            type: "window",
            config: {
              groupBy: [{ name: "t", expression: "event.type" }],
              aggregations: [{ name: "n", function: "count" }],
            },
          },
          { id: "map", type: "map" },
          { id: "sinkA", type: "kafka-sink", config: { topic: "out.a" } },
          { id: "sinkB", type: "kafka-sink", config: { topic: "out.b" } },
        ],
        [
          ["ingest", "filter"],
          ["filter", "keyby"],
          ["keyby", "win"],
          ["win", "map", { forceTopic: true }],
          ["map", "sinkA"],
          ["map", "sinkB"],
        ],
      ),
    );
    expect(p.stages.map((s) => [s.id, s.nodes.map((n) => n.id)])).toEqual([
      ["filter", ["filter", "keyby"]],
      ["map", ["map"]],
      ["sinkA", ["sinkA"]],
      ["sinkB", ["sinkB"]],
      ["win", ["win"]],
    ]);
    expect(p.keying[t("keyby", "out")]).toEqual({ kind: "window-group", nodeId: "win" });
    expect(p.stages.find((s) => s.id === "win")?.stateful).toBe(true);
    // Fan-out: one topic, two consumer groups.
    expect(p.stages.filter((s) => s.inputTopics.includes(t("map", "out"))).map((s) => s.groupId)).toEqual([
      "sluice.p1.sinkA",
      "sluice.p1.sinkB",
    ]);
  });

  it("wires an error port to the node's DLQ topic", () => {
    const p = plan(
      graph(
        [
          ingest,
          { id: "map", type: "map" },
          { id: "sink", type: "kafka-sink", config: { topic: "ok" } },
          { id: "errs", type: "kafka-sink", config: { topic: "errs" } },
        ],
        [
          ["ingest", "map"],
          ["map", "sink"],
          ["map", "errs", { port: "error" }],
        ],
      ),
    );
    const errs = p.stages.find((s) => s.id === "errs");
    expect(errs?.inputTopics).toEqual([t("map", "dlq")]);
    expect(errs?.deadLetterInputs).toEqual([t("map", "dlq")]);
    // map's only non-error output still fuses into its sink.
    expect(p.stages.find((s) => s.id === "map")?.nodes.map((n) => n.id)).toEqual(["map", "sink"]);
  });

  it("keeps stage ids (and consumer groups) stable when a later version changes a node's config", () => {
    const v1 = plan(
      graph(
        [ingest, { id: "map", type: "map" }, { id: "sink", type: "postgres-sink", config: sinkColumns }],
        [
          ["ingest", "map"],
          ["map", "sink"],
        ],
      ),
    );
    const v2 = plan(
      graph(
        [
          ingest,
          { id: "map", type: "map", config: { assignments: [{ target: "x", expression: "1" }] } },
          { id: "sink", type: "postgres-sink", config: sinkColumns },
        ],
        [
          ["ingest", "map"],
          ["map", "sink"],
        ],
      ),
    );
    expect(v2.stages.map((s) => s.groupId)).toEqual(v1.stages.map((s) => s.groupId));
  });

  it("refuses an invalid graph with the validator's reason", () => {
    const result = compilePlan({
      workspaceId: ws,
      workspaceSlug: slug,
      pipelineId: pid,
      graph: graph([{ id: "map", type: "map" }], []),
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/invalid graph/);
  });

  it("creates a kafka-sink's destination topic (brokers may refuse to auto-create it) in the workspace's namespace", () => {
    const p = plan(
      graph([ingest, { id: "out", type: "kafka-sink", config: { topic: "analytics.clicks" } }], [["ingest", "out"]]),
    );
    expect(p.topics.find((x) => x.name === "ws.acme.analytics.clicks")).toMatchObject({
      kind: "sink",
      managed: true,
      nodeId: "out",
    });
    expect(p.stages[0]?.nodes.find((n) => n.id === "out")?.config).toMatchObject({ topic: "ws.acme.analytics.clicks" });
    expect(foreignTopics(p)).toEqual([]);
  });

  it("fuses a kafka-source into the stateless chain after it (no copy of the user's topic), but not into a window", () => {
    const p = plan(
      graph(
        [
          { id: "src", type: "kafka-source", config: { topic: "orders" } },
          { id: "filter", type: "filter", config: { condition: "true" } },
          { id: "keyby", type: "key-by", config: { key: "event.type" } },
          {
            id: "win",
            type: "window",
            config: {
              groupBy: [{ name: "t", expression: "event.type" }],
              aggregations: [{ name: "n", function: "count" }],
            },
          },
          { id: "raw", type: "kafka-source", config: { topic: "raw" } },
          {
            id: "win2",
            type: "window",
            config: {
              groupBy: [{ name: "t", expression: "event.type" }],
              aggregations: [{ name: "n", function: "count" }],
            },
          },
          { id: "out", type: "kafka-sink", config: { topic: "counts" } },
          { id: "out2", type: "kafka-sink", config: { topic: "counts2" } },
        ],
        [
          ["src", "filter"],
          ["filter", "keyby"],
          ["keyby", "win"],
          ["raw", "win2"],
          ["win", "out"],
          ["win2", "out2"],
        ],
      ),
    );
    expect(p.stages.map((s) => [s.id, s.nodes.map((n) => n.id), s.inputTopics])).toEqual(
      [
        ["raw", ["raw"], ["ws.acme.raw"]],
        ["src", ["src", "filter", "keyby"], ["ws.acme.orders"]],
        ["win", ["win"], [t("keyby", "out")]],
        ["win2", ["win2"], [t("raw", "out")]],
        ["out", ["out"], [t("win", "out")]],
        ["out2", ["out2"], [t("win2", "out")]],
      ].sort((a, b) => (a[0] as string).localeCompare(b[0] as string)),
    );
    expect(p.topics.map((x) => x.name)).not.toContain(t("src", "out"));
    expect(p.edges.find((e) => e.source === "src")?.topic).toBeNull();
    expect(p.keying[t("raw", "out")]).toEqual({ kind: "window-group", nodeId: "win2" });
  });

  it("reads a kafka-source's topic from the workspace's namespace, or as named through a connection", () => {
    const own = plan(
      graph(
        [
          { id: "src", type: "kafka-source", config: { topic: "orders" } },
          { id: "out", type: "kafka-sink", config: { topic: "copy" } },
        ],
        [["src", "out"]],
      ),
    );
    const ownSource = own.stages.find((s) => s.id === "src");
    expect(ownSource?.inputTopics).toEqual(["ws.acme.orders"]);
    expect(ownSource?.connectionId).toBeUndefined();
    const viaConnection = compilePlan({
      workspaceId: ws,
      workspaceSlug: slug,
      pipelineId: pid,
      connectionIds: ["c1"],
      graph: graph(
        [
          { id: "src", type: "kafka-source", config: { topic: "orders", connectionId: "c1" } },
          { id: "out", type: "kafka-sink", config: { topic: "copy", connectionId: "c1" } },
        ],
        [["src", "out"]],
      ),
    });
    if (!viaConnection.ok) throw new Error(viaConnection.reason);
    const p = viaConnection.plan;
    expect(p.stages.find((s) => s.id === "src")).toMatchObject({ inputTopics: ["orders"], connectionId: "c1" });
    expect(p.topics.filter((x) => x.connectionId === "c1").map((x) => [x.name, x.managed])).toEqual([
      ["copy", false],
      ["orders", false],
    ]);
    expect(foreignTopics(p)).toEqual([]);
  });

  it("refuses another workspace's topics and connections", () => {
    const refused = (config: Record<string, unknown>, connectionIds?: string[]) => {
      const result = compilePlan({
        workspaceId: ws,
        workspaceSlug: slug,
        pipelineId: pid,
        ...(connectionIds ? { connectionIds } : {}),
        graph: graph([ingest, { id: "out", type: "kafka-sink", config }], [["ingest", "out"]]),
      });
      return result.ok ? "" : result.reason;
    };
    expect(refused({ topic: "ws.other.orders" })).toMatch(/workspace namespaces/);
    expect(refused({ topic: "sluice.ws2.p2.map.out" })).toMatch(/internal topics/);
    expect(refused({ topic: "orders", connectionId: "theirs" }, ["mine"])).toMatch(/connection that does not exist/);
  });

  it("finds topics outside the workspace in a plan built some other way", () => {
    const p = plan(
      graph([ingest, { id: "out", type: "kafka-sink", config: { topic: "orders" } }], [["ingest", "out"]]),
    );
    const tampered: Plan = {
      ...p,
      stages: p.stages.map((s) => ({
        ...s,
        nodes: s.nodes.map((n) => (n.id === "out" ? { ...n, config: { ...n.config, topic: "ws.other.orders" } } : n)),
      })),
    };
    expect(foreignTopics(tampered)).toEqual(["ws.other.orders"]);
    expect(foreignTopics({ ...p, workspaceId: "ws2" }).length).toBeGreaterThan(0);
  });

  it("reads a kafka-source with its own group, a named one in the workspace's namespace, or exactly as named through a connection", () => {
    const sourceGroup = (config: Record<string, unknown>) => {
      const result = compilePlan({
        workspaceId: ws,
        workspaceSlug: slug,
        pipelineId: pid,
        graph: graph(
          [
            { id: "src", type: "kafka-source", config: { topic: "orders", ...config } },
            { id: "out", type: "kafka-sink", config: { topic: "copy" } },
          ],
          [["src", "out"]],
        ),
      });
      if (!result.ok) throw new Error(result.reason);
      expect(foreignGroups(result.plan)).toEqual([]);
      return result.plan.stages.find((s) => s.id === "src")!.groupId;
    };
    expect(sourceGroup({})).toBe("sluice.p1.src");
    expect(sourceGroup({ connectionId: "c1" })).toBe("sluice.p1.src");
    expect(sourceGroup({ consumerGroup: "orders-analytics" })).toBe("ws.acme.orders-analytics");
    expect(sourceGroup({ consumerGroup: "orders-analytics", connectionId: "c1" })).toBe("orders-analytics");
  });

  it("finds consumer groups outside the workspace in a plan built some other way", () => {
    const p = plan(
      graph(
        [
          { id: "src", type: "kafka-source", config: { topic: "orders", consumerGroup: "team" } },
          { id: "out", type: "kafka-sink", config: { topic: "copy" } },
        ],
        [["src", "out"]],
      ),
    );
    expect(foreignGroups(p)).toEqual([]);
    const withGroup = (groupId: string, connectionId?: string): Plan => ({
      ...p,
      stages: p.stages.map((s) => ({ ...s, groupId, ...(connectionId ? { connectionId } : {}) })),
    });
    expect(foreignGroups(withGroup("ws.other.team"))).toEqual(["ws.other.team"]);
    expect(foreignGroups(withGroup("sluice.p2.src"))).toEqual(["sluice.p2.src"]);
    expect(foreignGroups(withGroup("anything", "c1"))).toEqual([]);
  });

  it("applies a pipeline's topic settings over the runner's, field by field", () => {
    const settings = parsePipelineSettings({ topics: { partitions: 12, retentionHours: 1.5 } });
    expect(topicOverrides(settings)).toEqual({ partitions: 12, retentionMs: 5_400_000 });
    const g = graph([ingest, { id: "sink", type: "kafka-sink", config: { topic: "out" } }], [["ingest", "sink"]]);
    const result = compilePlan({
      workspaceId: ws,
      workspaceSlug: slug,
      pipelineId: pid,
      graph: g,
      settings: { ...DEFAULT_TOPIC_SETTINGS, replicationFactor: 3, ...topicOverrides(settings) },
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.plan.settings).toEqual({ partitions: 12, replicationFactor: 3, retentionMs: 5_400_000 });
    expect(planNodeIds(result.plan).sort()).toEqual(["ingest", "sink"]);
  });
});
