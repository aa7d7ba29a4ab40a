import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { PipelineGraph, PipelineNode } from "../graph/pipeline-graph";
import { validateGraph } from "../graph/validate-graph";
import { pipelineTemplates } from "../templates/index";
import { at, wire } from "../templates/pipeline-template";
import { exportRedpandaConnect } from "./redpanda-connect";
import { toYaml, type YamlValue } from "./yaml-emitter";

function node(id: string, type: string, config: PipelineNode["config"], column = 0): PipelineNode {
  return { id, type, typeVersion: 1, config, position: at(column, 0) };
}

/** Every stateless node type, with an Errors branch on a transform and on a sink. */
const everyStatelessNode: PipelineGraph = {
  nodes: [
    node("orders-in", "kafka-source", { topic: "shop.orders", startPosition: "earliest" }),
    node("check", "validate", {
      schema: { type: "object", required: ["id", "type"], properties: { id: { type: "string" } } },
    }),
    node("real-orders", "filter", {
      condition: 'event.type in ["purchase", "refund"] && has(event.props.amount) && !event.props.test',
    }),
    node("enrich-fields", "map", {
      assignments: [
        { target: "props.amountCents", expression: "event.props.amount * 100.0" },
        { target: "isMobile", expression: 'event.context.userAgent.contains("Mobile")' },
        { target: "channel", expression: 'event.page.startsWith("/app") ? "app" : "web"' },
      ],
      drop: ["context.campaign", "props.debug-info"],
    }),
    node("mask", "mask-pii", {
      rules: [
        { field: "props.email", method: "hash" },
        { field: "props.phone", method: "redact" },
      ],
      saltSecretId: "sec_pii_salt",
    }),
    node("by-user", "key-by", { key: "event.userId" }),
    node("split", "route", {
      routes: [
        { port: "big", condition: "event.props.amount >= 1000" },
        { port: "refunds", condition: 'event.type == "refund"' },
      ],
      defaultPort: "rest",
    }),
    node("orders-table", "postgres-sink", {
      connectionSecretId: "sec_warehouse",
      table: "analytics.orders",
      mode: "upsert",
      keyColumns: ["order_id"],
      columns: [
        { column: "order_id", expression: "event.id" },
        { column: "amount_cents", expression: "event.props.amountCents" },
        { column: "user_id", expression: "event.userId" },
      ],
    }),
    node("refund-counter", "redis-sink", {
      connectionSecretId: "sec_cache",
      mode: "counter",
      keyTemplate: "refunds:{userId}",
      value: "1",
      ttl: "7d",
    }),
    node("rest-topic", "kafka-sink", { topic: "shop.orders.rest" }),
    node("rejects-topic", "kafka-sink", { topic: "shop.orders.rejected", key: 'event.id + ":" + string(event.type)' }),
    node("failed-rows", "webhook-sink", {
      url: "https://hooks.example.com/failed-rows",
      signingSecretId: "sec_hook",
      headers: [{ name: "X-Team", value: "data" }],
      rateLimitPerSecond: 5,
    }),
  ],
  edges: [
    wire("orders-in", "check"),
    wire("check", "real-orders"),
    wire("check", "rejects-topic", "error"),
    wire("real-orders", "enrich-fields"),
    wire("enrich-fields", "mask"),
    wire("mask", "by-user"),
    wire("by-user", "split"),
    wire("split", "orders-table", "big"),
    wire("split", "refund-counter", "refunds"),
    wire("split", "rest-topic", "rest"),
    wire("orders-table", "failed-rows", "error"),
  ],
};

/** Two sources, fan-out to three sinks, an all-matches route, hash and sorted-set Redis writes. */
const fanOutAndSources: PipelineGraph = {
  nodes: [
    node("synthetic", "generator", {
      eventsPerSecond: 40,
      users: 100,
      eventMix: [
        { type: "page_view", weight: 3 },
        { type: "purchase", weight: 1 },
      ],
    }),
    node("web", "http-ingest", { pathKey: "web-events", apiKeyId: "key_web" }),
    node("tidy", "map", { assignments: [{ target: "source", expression: '"sluice"' }], drop: [] }),
    node("last-seen", "redis-sink", {
      connectionSecretId: "sec_cache",
      mode: "hash",
      keyTemplate: "user:{userId}",
      field: "event.type",
      value: "event.timestamp",
    }),
    node("notify", "webhook-sink", { url: "https://hooks.example.com/all" }),
    node("mirror", "kafka-sink", { topic: "web.mirror", key: "event.userId" }),
    node("tags", "route", {
      mode: "all-matches",
      routes: [
        { port: "buyers", condition: 'event.type == "purchase"' },
        { port: "long-pages", condition: "size(event.page) > 40" },
      ],
    }),
    node("leaderboard", "redis-sink", {
      connectionSecretId: "sec_cache",
      mode: "sorted-set",
      keyTemplate: "top-buyers",
      field: "event.userId",
      value: "event.props.amount",
    }),
    node("long-pages", "kafka-sink", { topic: "web.long-pages" }),
    node("unmatched", "kafka-sink", { topic: "web.unmatched" }),
  ],
  edges: [
    wire("synthetic", "tidy"),
    wire("web", "tidy"),
    wire("tidy", "last-seen"),
    wire("tidy", "notify"),
    wire("tidy", "mirror"),
    wire("tidy", "tags"),
    wire("tags", "leaderboard", "buyers"),
    wire("tags", "long-pages", "long-pages"),
    wire("tags", "unmatched", "unmatched"),
  ],
};

/** What does not translate: CEL outside the subset, lookups, stateful nodes, IP truncation, `${` in webhook headers. */
const untranslatable: PipelineGraph = {
  nodes: [
    node("in", "kafka-source", { topic: "raw" }),
    node("fan", "filter", { condition: "true" }),
    node("cents", "map", { assignments: [{ target: "cents", expression: "int(event.amount * 100)" }] }),
    node("recent", "filter", { condition: 'event.ts > now - duration("1h")' }),
    node("lookup", "enrich", {
      lookup: { kind: "redis", connectionSecretId: "sec_cache", keyPrefix: "user:" },
      key: "event.userId",
      target: "user",
    }),
    node("ips", "mask-pii", { rules: [{ field: "context.ip", method: "truncate-ip" }] }),
    node("sessions", "sessionize", {}),
    node("hook", "webhook-sink", {
      url: "https://hooks.example.com/x",
      headers: [{ name: "X-Token", value: "${API_TOKEN}" }],
    }),
    node("out", "kafka-sink", { topic: "never" }),
  ],
  edges: [
    wire("in", "fan"),
    wire("fan", "cents"),
    wire("fan", "recent"),
    wire("fan", "lookup"),
    wire("fan", "ips"),
    wire("fan", "sessions"),
    wire("fan", "hook"),
    wire("cents", "out"),
    wire("recent", "out"),
  ],
};

const cases: { name: string; title: string; graph: PipelineGraph }[] = [
  ...pipelineTemplates.map((template) => ({
    name: `template-${template.id}`,
    title: template.name,
    graph: template.graph,
  })),
  { name: "every-stateless-node", title: "Every stateless node", graph: everyStatelessNode },
  { name: "fan-out-and-sources", title: "Fan-out and sources", graph: fanOutAndSources },
  { name: "untranslatable", title: "Untranslatable", graph: untranslatable },
];

describe("exportRedpandaConnect", () => {
  it("uses hand-made graphs that are valid pipelines", () => {
    for (const graph of [everyStatelessNode, fanOutAndSources, untranslatable]) {
      expect(validateGraph(graph).filter((problem) => problem.severity === "error")).toEqual([]);
    }
  });

  // Compared byte for byte with the committed file; `vitest -u` rewrites it (review the diff).
  it.each(cases)("matches the golden YAML of $name byte for byte", async ({ name, title, graph }) => {
    await expect(exportRedpandaConnect(graph, title).yaml).toMatchFileSnapshot(`./golden/${name}.yaml`);
  });

  it.each(cases)(
    "writes well-formed YAML with input, pipeline and output for $name (independent parser)",
    ({ title, graph }) => {
      const document = parse(exportRedpandaConnect(graph, title).yaml) as Record<string, unknown>;
      expect(Object.keys(document)).toEqual(expect.arrayContaining(["input", "output"]));
      expect(document.input).toBeTypeOf("object");
      expect(document.output).toBeTypeOf("object");
    },
  );

  it("translates every stateless node and references secrets only through environment variables", () => {
    const result = exportRedpandaConnect(everyStatelessNode, "Every stateless node");
    expect(result.untranslated).toEqual([]);
    expect(result.envVars.map((envVar) => envVar.name)).toEqual([
      "HASH_SALT_SEC_PII_SALT",
      "KAFKA_BROKERS",
      "POSTGRES_DSN_SEC_WAREHOUSE",
      "REDIS_URL_SEC_CACHE",
      "WEBHOOK_SECRET_SEC_HOOK",
    ]);
    const document = parse(result.yaml) as {
      input: { kafka_franz: Record<string, unknown> };
      pipeline: { processors: { label?: string }[] };
    };
    expect(document.input.kafka_franz).toMatchObject({
      seed_brokers: ["${KAFKA_BROKERS}"],
      topics: ["shop.orders"],
      start_from_oldest: true,
    });
    expect(result.yaml).toContain("dsn: '${POSTGRES_DSN_SEC_WAREHOUSE}'");
    expect(result.yaml).toContain(
      "ON CONFLICT (order_id) DO UPDATE SET amount_cents = EXCLUDED.amount_cents, user_id = EXCLUDED.user_id",
    );
    // The filter's CEL became Bloblang.
    expect(result.yaml).toContain(
      'root = if ["purchase", "refund"].contains(this.type) && this.props.exists("amount") && !this.props.test { this } else { deleted() }',
    );
  });

  it("lists a kafka-source's key field and headers switch as not translated", () => {
    const graph: PipelineGraph = {
      nodes: [
        node("in", "kafka-source", { topic: "raw", keyField: "kafkaKey", headersToContext: true }),
        node("out", "kafka-sink", { topic: "copy" }),
      ],
      edges: [wire("in", "out")],
    };
    expect(exportRedpandaConnect(graph, "Keys").untranslated.map((item) => [item.nodeId, item.what])).toEqual([
      ["in", "key as field"],
      ["in", "headers into context"],
    ]);
  });

  it("lists what does not translate, each with the node and a reason, and ends those branches in a drop", () => {
    const result = exportRedpandaConnect(untranslatable, "Untranslatable");
    expect(result.untranslated.map((item) => item.nodeId)).toEqual([
      "cents",
      "recent",
      "lookup",
      "ips",
      "sessions",
      "hook",
    ]);
    expect(result.untranslated.find((item) => item.nodeId === "cents")?.reason).toMatch(/int\(\) truncates/);
    expect(result.untranslated.find((item) => item.nodeId === "sessions")?.reason).toMatch(/stateful/);
    const document = parse(result.yaml) as { output: { broker: { outputs: Record<string, unknown>[] } } };
    expect(document.output.broker.outputs.map((output) => [output.label, "drop" in output])).toEqual([
      ["cents", true],
      ["recent", true],
      ["lookup", true],
      ["ips", true],
      ["sessions", true],
      ["hook", true],
    ]);
    expect(result.yaml).not.toContain("topic: never");
    expect(result.yaml).not.toContain("API_TOKEN");
  });

  it("lists the stateful nodes of the templates as untranslated", () => {
    const [clickstream] = pipelineTemplates;
    const result = exportRedpandaConnect(clickstream!.graph, clickstream!.name);
    expect(result.untranslated.map((item) => item.nodeId)).toContain("dedup");
  });
});

describe("toYaml", () => {
  it("round-trips awkward values through an independent YAML parser", () => {
    const value: YamlValue = {
      plain: "hello world",
      "key: with colon": "value # not a comment",
      reserved: ["true", "no", "null", "~", "010", "-1", "1.5", ""],
      quotes: [`it's`, 'say "hi"', "both ' and \"", "tab\there", "line\u2028separator"],
      block: "root = this\nroot.a = 1\n",
      blockNoNewline: "a\nb",
      trailingSpace: "a \nb",
      leadingSpace: "  indented\nnext",
      doubleNewline: "a\n\n",
      env: "${KAFKA_BROKERS}",
      interpolation: "${! @sluice_key }",
      nested: [{ a: [1, 2, { b: null }], c: {} }, [], [["x"]]],
      numbers: [0, -3, 2.5, true, false, null],
    };
    expect(parse(toYaml(value))).toEqual(value);
  });
});
