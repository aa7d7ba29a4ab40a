// Small graph builders for engine tests: nodes get the descriptor's example config unless given one.
import { nodeRegistry, type NodeTypeId, type PipelineGraph } from "@sluice/shared";

export type NodeSpec = { id: string; type: NodeTypeId; config?: Record<string, unknown> };
export type EdgeSpec = [from: string, to: string, options?: { port?: string; forceTopic?: boolean }];

export function graph(nodes: NodeSpec[], edges: EdgeSpec[]): PipelineGraph {
  return {
    nodes: nodes.map((n, i) => ({
      id: n.id,
      type: n.type,
      typeVersion: nodeRegistry[n.type].typeVersion,
      config: (n.config ?? nodeRegistry[n.type].example) as PipelineGraph["nodes"][number]["config"],
      position: { x: i * 200, y: 0 },
    })),
    edges: edges.map(([from, to, options], i) => ({
      id: `e${i}`,
      source: from,
      sourcePort: options?.port ?? "out",
      target: to,
      targetPort: "in",
      ...(options?.forceTopic ? { forceTopic: true } : {}),
    })),
  };
}

/** The nodes in a chain, each one's `out` into the next. */
export function chain(nodes: NodeSpec[]): PipelineGraph {
  return graph(
    nodes,
    nodes.slice(1).map((n, i): EdgeSpec => [nodes[i]!.id, n.id]),
  );
}

/** kafka-source `src` (the workspace topic `source`, from earliest) -> `nodes` -> kafka-sink `sink` (topic `sink`). */
export function kafkaChain(source: string, nodes: NodeSpec[], sink: string): PipelineGraph {
  return chain([
    { id: "src", type: "kafka-source", config: { topic: source, startPosition: "earliest" } },
    ...nodes,
    { id: "sink", type: "kafka-sink", config: { topic: sink } },
  ]);
}

/** `win`: 10-second tumbling windows on event time `ts` (1 s watermark delay) per `type`. */
export function typeWindow(allowedLateness: string, aggregations: Record<string, unknown>[]): NodeSpec {
  return {
    id: "win",
    type: "window",
    config: {
      kind: "tumbling",
      size: "10s",
      eventTimeField: "ts",
      watermarkDelay: "1s",
      allowedLateness,
      groupBy: [{ name: "type", expression: "event.type" }],
      aggregations,
    },
  };
}

/** The http-ingest node `ingest` of a pipeline fed by `postIngest` (engine-world.ts); `config`: more of its settings. */
export function ingestNode(
  { pathKey, key }: { pathKey: string; key: { id: string } },
  config: Record<string, unknown> = {},
): NodeSpec {
  return { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id, ...config } };
}

/**
 * A postgres-sink node (id `sink` unless given) writing `columns` (column name -> CEL expression, in this
 * order) into `table`: it inserts unless `mode` says upsert, keyed by `keyColumns` (default none).
 */
export function postgresSinkNode({
  id = "sink",
  mode = "insert",
  keyColumns = [],
  columns,
  ...config
}: {
  id?: string;
  connectionSecretId: string;
  table: string;
  mode?: "insert" | "upsert";
  keyColumns?: string[];
  columns: Record<string, string>;
  viewName?: string;
  viewOrderColumn?: string;
}): NodeSpec {
  return {
    id,
    type: "postgres-sink",
    config: {
      ...config,
      mode,
      keyColumns,
      columns: Object.entries(columns).map(([column, expression]) => ({ column, expression })),
    },
  };
}

export const sinkColumns = {
  connectionSecretId: "sec_sink",
  table: "events_sink",
  mode: "insert",
  keyColumns: ["event_id"],
  columns: [
    { column: "event_id", expression: "event.id" },
    { column: "event_type", expression: "event.type" },
  ],
};

/** http-ingest straight into a Postgres sink (the sink config from `sinkColumns`). */
export function ingestToPostgres(pathKey: string, apiKeyId: string, connectionSecretId: string): PipelineGraph {
  return graph(
    [
      { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId } },
      { id: "sink", type: "postgres-sink", config: { ...sinkColumns, connectionSecretId } },
    ],
    [["ingest", "sink"]],
  );
}

/**
 * Ingest -> map (sets `seen`) -> Postgres sink of each event's id into `table`'s `event_id` column;
 * `keyed`: insert ... ON CONFLICT DO NOTHING on event_id, so a re-delivered event lands once.
 */
export function ingestMapToPostgres(options: {
  pathKey: string;
  apiKeyId: string;
  connectionSecretId: string;
  table: string;
  keyed: boolean;
}): PipelineGraph {
  return graph(
    [
      { id: "ingest", type: "http-ingest", config: { pathKey: options.pathKey, apiKeyId: options.apiKeyId } },
      { id: "map", type: "map", config: { assignments: [{ target: "seen", expression: "true" }] } },
      postgresSinkNode({
        connectionSecretId: options.connectionSecretId,
        table: options.table,
        keyColumns: options.keyed ? ["event_id"] : [],
        columns: { event_id: "event.id" },
      }),
    ],
    [
      ["ingest", "map"],
      ["map", "sink"],
    ],
  );
}

/** The column SQL of the sink table `windowCountGraph` writes to. */
export const WINDOW_COUNT_COLUMNS = "window_id text PRIMARY KEY, event_type text, events bigint, revision int";

/**
 * Ingest -> [optional stateless node] -> 1-minute tumbling counts per event type (`win`) -> Postgres upsert
 * by window id (`sink`; columns window_id, event_type, events, revision).
 */
export function windowCountGraph(options: {
  table: string;
  pathKey: string;
  apiKeyId: string;
  connectionSecretId: string;
  allowedLateness: string;
  before?: NodeSpec;
}): PipelineGraph {
  const { before } = options;
  return graph(
    [
      { id: "ingest", type: "http-ingest", config: { pathKey: options.pathKey, apiKeyId: options.apiKeyId } },
      ...(before ? [before] : []),
      {
        id: "win",
        type: "window",
        config: {
          kind: "tumbling",
          size: "1m",
          watermarkDelay: "1s",
          allowedLateness: options.allowedLateness,
          groupBy: [{ name: "eventType", expression: "event.type" }],
          aggregations: [{ name: "events", function: "count" }],
        },
      },
      postgresSinkNode({
        connectionSecretId: options.connectionSecretId,
        table: options.table,
        mode: "upsert",
        keyColumns: ["window_id"],
        columns: {
          window_id: "event.windowId",
          event_type: "event.eventType",
          events: "event.events",
          revision: "event.revision",
        },
      }),
    ],
    before
      ? [
          ["ingest", before.id],
          [before.id, "win"],
          ["win", "sink"],
        ]
      : [
          ["ingest", "win"],
          ["win", "sink"],
        ],
  );
}

/** The column SQL of the table `pageCountsView` writes to: a count per page and window. */
export const PAGE_COUNTS_COLUMNS =
  "page text, window_start timestamptz, events bigint, PRIMARY KEY (page, window_start)";

/** `counts`: a postgres-sink upserting per-page window counts into `table`, served as view `page-counts` (newest window first). */
export function pageCountsView(connectionSecretId: string, table: string): NodeSpec {
  return postgresSinkNode({
    id: "counts",
    connectionSecretId,
    table,
    mode: "upsert",
    keyColumns: ["page", "window_start"],
    columns: { page: "event.page", window_start: "event.windowStart", events: "event.events" },
    viewName: "page-counts",
    viewOrderColumn: "window_start",
  });
}

/** `board`: a redis-sink sorted set of pages by their count at `keyTemplate`, served as view `trending`. */
export function trendingView(connectionSecretId: string, keyTemplate: string): NodeSpec {
  return {
    id: "board",
    type: "redis-sink",
    config: {
      connectionSecretId,
      mode: "sorted-set",
      keyTemplate,
      field: "event.page",
      value: "event.events",
      viewName: "trending",
    },
  };
}

/** http-ingest -> map (sets props.seen, a stage of its own after the ingest topic) -> the given sink. */
export function ingestMapTo(pathKey: string, apiKeyId: string, sink: NodeSpec): PipelineGraph {
  return graph(
    [
      { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId } },
      { id: "map", type: "map", config: { assignments: [{ target: "props.seen", expression: "true" }] } },
      sink,
    ],
    [
      ["ingest", "map"],
      ["map", sink.id],
    ],
  );
}
