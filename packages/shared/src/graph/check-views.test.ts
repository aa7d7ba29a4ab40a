import { describe, expect, it } from "vitest";
import { nodeRegistry } from "../nodes/registry";
import { PostgresSinkConfig } from "../nodes/sinks/postgres-sink";
import { RedisSinkConfig } from "../nodes/sinks/redis-sink";
import { validateGraph } from "./validate-graph";

const pgSink = (viewName: string, extra: Record<string, unknown> = {}) => ({
  ...nodeRegistry["postgres-sink"].example,
  viewName,
  ...extra,
});

describe("views on sinks", () => {
  it("accepts a postgres-sink view keyed by its first key column or a named column", () => {
    expect(PostgresSinkConfig.safeParse(pgSink("events-by-id")).success).toBe(true);
    expect(
      PostgresSinkConfig.safeParse(pgSink("by-user", { viewKeyColumn: "user_id", viewOrderColumn: "occurred_at" }))
        .success,
    ).toBe(true);
  });

  it("refuses view names and columns that cannot work", () => {
    const messages = (config: unknown) =>
      (PostgresSinkConfig.safeParse(config).error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages(pgSink("Bad Name"))).toEqual([expect.stringMatching(/^viewName: Lower-case/)]);
    expect(messages(pgSink("v", { viewKeyColumn: "nope" }))).toEqual([
      'viewKeyColumn: View key column "nope" is not in the column mapping',
    ]);
    expect(messages(pgSink("v", { viewOrderColumn: "nope" }))).toEqual([
      'viewOrderColumn: Column "nope" is not in the column mapping',
    ]);
    expect(messages(pgSink("v", { keyColumns: [] }))).toEqual([
      "viewKeyColumn: A view needs a key column (or key columns)",
    ]);
    const { viewName: _unused, ...notServed } = pgSink("v", { viewKeyColumn: "user_id" });
    expect(messages(notServed)).toEqual(["viewKeyColumn: Only used when the sink is served as a view"]);
    expect(RedisSinkConfig.safeParse({ ...nodeRegistry["redis-sink"].example, viewName: "last-seen" }).success).toBe(
      true,
    );
  });

  it("flags two sinks of a pipeline serving the same view", () => {
    const node = (id: string, type: "postgres-sink" | "redis-sink", config: Record<string, unknown>, x: number) => ({
      id,
      type,
      typeVersion: 1,
      config,
      position: { x, y: 0 },
    });
    const graph = {
      nodes: [
        node("in", "http-ingest" as never, { ...nodeRegistry["http-ingest"].example }, 0),
        node("a", "postgres-sink", pgSink("shared"), 100),
        node("b", "redis-sink", { ...nodeRegistry["redis-sink"].example, viewName: "shared" }, 200),
      ],
      edges: [
        { id: "e1", source: "in", sourcePort: "out", target: "a", targetPort: "in" },
        { id: "e2", source: "in", sourcePort: "out", target: "b", targetPort: "in" },
      ],
    };
    const problems = validateGraph(graph).filter((p) => p.code === "node.duplicate-view");
    expect(problems).toEqual([expect.objectContaining({ nodeId: "b", field: "viewName", severity: "error" })]);
  });
});
