import { describe, expect, it } from "vitest";
import { compilePlan } from "../graph/deployment-plan";
import { getNodeDescriptor, nodeRegistry } from "../nodes/registry";
import type { PipelineGraph, PipelineNode } from "../graph/pipeline-graph";
import { inputFieldsOf, validateGraph } from "../graph/validate-graph";
import { knownFields, OPEN_FIELDS, removeFields, typedFrom, unionFields } from "../nodes/field-set";
import type { ParquetColumnType } from "../nodes/sinks/s3-sink";
import { resolveParquetColumns } from "./parquet-columns";

const node = (id: string, type: string, config: Record<string, unknown> = {}): PipelineNode => ({
  id,
  type,
  typeVersion: 1,
  config: config as PipelineNode["config"],
  position: { x: 0, y: 0 },
});
const chain = (...nodes: PipelineNode[]): PipelineGraph => ({
  nodes,
  edges: nodes.slice(1).map((n, i) => ({
    id: `e${i}`,
    source: nodes[i]!.id,
    sourcePort: "out",
    target: n.id,
    targetPort: "in",
  })),
});
const lake = (columns: { name: string; field: string; type?: string }[] = [], typeVersion = 2): PipelineNode => ({
  ...node("lake", "s3-sink", { bucket: "analytics-lake", format: "parquet", columns }),
  typeVersion,
});

/** name -> "type (how)" of the columns the sink at the end of `graph` writes. */
function columnsOf(graph: PipelineGraph): Record<string, string> {
  const sink = graph.nodes.find((n) => n.id === "lake")!;
  const listed = (sink.config["columns"] ?? []) as { name: string; field: string; type?: ParquetColumnType }[];
  const resolved = resolveParquetColumns(
    listed.map((c) => ({ ...c, type: c.type ?? "auto" })),
    inputFieldsOf(graph).get("lake") ?? OPEN_FIELDS,
  );
  if (!resolved.ok) throw new Error(resolved.message);
  return Object.fromEntries(resolved.columns.map((c) => [c.name, `${c.type} (${c.how})`]));
}

describe("Parquet column types from the fields known upstream", () => {
  it("types a window's results: counts are int64, sums and averages double, bounds timestamps", () => {
    const graph = chain(
      node("gen", "generator"),
      node("per-minute", "window", {
        size: "1m",
        groupBy: [
          { name: "eventType", expression: "event.type" },
          { name: "bucket", expression: "size(event.type) > 4" },
          { name: "anything", expression: "event.props.plan" },
        ],
        aggregations: [
          { name: "events", function: "count" },
          { name: "users", function: "distinct-count", field: "userId" },
          { name: "revenue", function: "sum", field: "props.amount" },
          { name: "basket", function: "avg", field: "props.amount" },
          { name: "top", function: "max", field: "props.amount" },
        ],
      }),
      lake(),
    );
    expect(columnsOf(graph)).toEqual({
      windowId: "string (string from window result)",
      windowStart: "timestamp (timestamp from window result)",
      windowEnd: "timestamp (timestamp from window result)",
      timestamp: "timestamp (timestamp from window result)",
      revision: "int64 (integer from window result)",
      isLateUpdate: "boolean (boolean from window result)",
      supersedes: "json (array from window result)",
      // A plain field reference keeps the field's type; a CEL expression has CEL's; props.plan is not known.
      eventType: "string (string from event envelope)",
      bucket: "boolean (boolean from CEL bool)",
      anything: "string (type not known upstream: text, other values as JSON)",
      events: "int64 (integer from window count)",
      users: "int64 (integer from window distinct-count)",
      revenue: "double (number from window sum)",
      basket: "double (number from window avg)",
      top: "double (number from window max)",
    });
  });

  it("types map assignments by their CEL type, over an unknown JSON topic too", () => {
    const graph = chain(
      node("topic", "kafka-source", { topic: "web.events" }),
      node("shape", "map", {
        assignments: [
          { target: "cents", expression: "int(event.amount * 100)" },
          { target: "ratio", expression: "double(event.a) / 2" },
          { target: "label", expression: 'string(event.kind) + "!"' },
          { target: "seenAt", expression: "timestamp(event.at)" },
          { target: "flag", expression: "event.x == 1" },
          { target: "tags", expression: "[event.a, event.b]" },
          { target: "copy", expression: "event.cents" },
          { target: "raw", expression: "event.a + 1" },
        ],
      }),
      lake([
        { name: "cents", field: "cents" },
        { name: "ratio", field: "ratio" },
        { name: "label", field: "label" },
        { name: "seen_at", field: "seenAt" },
        { name: "flag", field: "flag" },
        { name: "tags", field: "tags" },
        { name: "copy", field: "copy" },
        { name: "raw", field: "raw" },
        { name: "forced", field: "raw", type: "double" },
      ]),
    );
    expect(columnsOf(graph)).toEqual({
      cents: "int64 (integer from CEL int)",
      ratio: "double (number from CEL double)",
      label: "string (string from CEL string)",
      seen_at: "timestamp (timestamp from CEL google.protobuf.Timestamp)",
      flag: "boolean (boolean from CEL bool)",
      tags: "json (array from CEL list)",
      // event.cents is the topic's (unknown), not the assignment's: assignments see the incoming event.
      copy: "string (type not known upstream: text, other values as JSON)",
      raw: "string (type not known upstream: text, other values as JSON)",
      forced: "double (set on the node)",
    });
    // Unknown fields and no list: nothing to derive the columns from.
    const open = chain(node("topic", "kafka-source", { topic: "web.events" }), lake());
    expect(validateGraph(open).filter((p) => p.code === "node.parquet-columns")).toEqual([
      expect.objectContaining({
        nodeId: "lake",
        field: "columns",
        severity: "error",
        message: expect.stringContaining("list the Parquet columns"),
      }),
    ]);
  });

  it("derives one column per known top-level field: the event envelope", () => {
    expect(columnsOf(chain(node("gen", "generator"), lake()))).toEqual({
      id: "string (string from event envelope)",
      type: "string (string from event envelope)",
      userId: "string (string from event envelope)",
      anonymousId: "string (string from event envelope)",
      sessionId: "string (string from event envelope)",
      timestamp: "timestamp (timestamp from event envelope)",
      receivedAt: "timestamp (timestamp from event envelope)",
      props: "json (object from event envelope)",
      context: "json (object from event envelope)",
    });
  });

  it("types a registry topic's fields from the schema's types, and a JSON Schema check's properties", () => {
    const avro = chain(
      node("topic", "kafka-source", {
        topic: "orders",
        valueFormat: "avro",
        registryId: "reg_1",
        schemaFields: ["orderId", "total", "placedAt", "lines", "note"],
        schemaFieldTypes: [
          { path: "orderId", type: "string" },
          { path: "total", type: "number" },
          { path: "placedAt", type: "timestamp" },
          { path: "lines", type: "array" },
        ],
      }),
      lake(),
    );
    expect(columnsOf(avro)).toEqual({
      orderId: "string (string from avro schema)",
      total: "double (number from avro schema)",
      placedAt: "timestamp (timestamp from avro schema)",
      lines: "json (array from avro schema)",
      note: "string (type not known upstream: text, other values as JSON)",
    });

    const checked = chain(
      node("topic", "kafka-source", { topic: "web.events" }),
      node("check", "validate", {
        schema: {
          type: "object",
          properties: {
            qty: { type: "integer" },
            price: { type: ["number", "null"] },
            at: { type: "string", format: "date-time" },
            either: { type: ["string", "integer"] },
            meta: { type: "object", properties: { ok: { type: "boolean" } } },
          },
        },
      }),
      // The topic may carry more fields than the schema names: the columns are listed.
      lake(["qty", "price", "at", "either", "meta", "meta.ok"].map((field) => ({ name: field, field }))),
    );
    expect(columnsOf(checked)).toEqual({
      qty: "int64 (integer from JSON Schema)",
      price: "double (number from JSON Schema)",
      at: "timestamp (timestamp from JSON Schema)",
      either: "string (type not known upstream: text, other values as JSON)",
      meta: "json (object from JSON Schema)",
      "meta.ok": "boolean (boolean from JSON Schema)",
    });
  });

  it("keeps a type through a union only where every branch agrees", () => {
    const a = knownFields(["n", "s", "only"], typedFrom("a", { n: "integer", s: "string", only: "boolean" }));
    const b = knownFields(["n", "s"], typedFrom("b", { n: "integer", s: "number" }));
    expect(unionFields([a, b]).types).toEqual({
      n: { type: "integer", from: "a" },
      // b's records have no `only`: they do not contradict a's type.
      only: { type: "boolean", from: "a" },
    });
    // An open branch may carry anything in any field.
    expect(unionFields([a, OPEN_FIELDS]).types).toBeUndefined();
    expect(removeFields(a, ["n"]).types).toEqual({
      s: { type: "string", from: "a" },
      only: { type: "boolean", from: "a" },
    });
  });

  it("compilePlan hands the runner decided types: no auto column reaches it", () => {
    const graph = chain(
      node("gen", "generator"),
      node("per-minute", "window", { size: "1m", aggregations: [{ name: "events", function: "count" }] }),
      lake([
        { name: "start", field: "windowStart" },
        { name: "events", field: "events" },
        { name: "n", field: "events", type: "string" },
      ]),
    );
    const compiled = compilePlan({ workspaceId: "ws", workspaceSlug: "acme", pipelineId: "p", graph });
    if (!compiled.ok) throw new Error(compiled.reason);
    const sink = compiled.plan.stages.flatMap((s) => s.nodes).find((n) => n.id === "lake")!;
    expect((sink.config as { columns: unknown }).columns).toEqual([
      { name: "start", field: "windowStart", type: "timestamp" },
      { name: "events", field: "events", type: "int64" },
      { name: "n", field: "events", type: "string" },
    ]);
  });

  it("keeps string for untyped columns of a node saved as version 1, before columns were typed", () => {
    // The shape saved by version 1: columns without a type, which then meant string.
    const saved = { bucket: "analytics-lake", format: "parquet", columns: [{ name: "events", field: "events" }] };
    expect(nodeRegistry["s3-sink"].typeVersion).toBe(2);
    expect(getNodeDescriptor("s3-sink", 1)?.configSchema.parse(saved)).toMatchObject({
      columns: [{ name: "events", field: "events", type: "string" }],
    });
    expect(getNodeDescriptor("s3-sink", 2)?.configSchema.parse(saved)).toMatchObject({
      columns: [{ name: "events", field: "events", type: "auto" }],
    });
    expect(getNodeDescriptor("s3-sink", 3)).toBeUndefined();

    // Redeployed, the old node still writes STRING; the same config on a new node gets the count's int64.
    const sinkColumns = (typeVersion: number) => {
      const graph = chain(
        node("gen", "generator"),
        node("per-minute", "window", { size: "1m", aggregations: [{ name: "events", function: "count" }] }),
        lake(saved.columns, typeVersion),
      );
      expect(validateGraph(graph)).toEqual([]);
      const compiled = compilePlan({ workspaceId: "ws", workspaceSlug: "acme", pipelineId: "p", graph });
      if (!compiled.ok) throw new Error(compiled.reason);
      return (compiled.plan.stages.flatMap((s) => s.nodes).find((n) => n.id === "lake")!.config as { columns: unknown })
        .columns;
    };
    expect(sinkColumns(1)).toEqual([{ name: "events", field: "events", type: "string" }]);
    expect(sinkColumns(2)).toEqual([{ name: "events", field: "events", type: "int64" }]);
  });
});
