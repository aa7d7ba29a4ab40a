// The "Demo clickstream" pipeline `npm start` deploys: the Clickstream analytics template fed by a
// generator at a modest rate (and by HTTP ingest for the banner's curl), writing to the `demo` schema.
import { clickstreamAnalyticsTemplate, instantiateTemplate, type JsonValue, type PipelineGraph } from "@sluice/shared";

export const DEMO_PIPELINE = {
  name: "Demo clickstream",
  description:
    "Seeded by npm start: generated web events through validate, dedup, masking, per-minute counts and sessions into Postgres (schema demo).",
};
export const DEMO_PATH_KEY = "demo-clickstream";
/** Events per second of the demo's generator: visible movement, little load on a 2-core machine. */
const DEMO_EVENTS_PER_SECOND = 5;

/** Tables of the Clickstream analytics template (and the demo), created in a schema of the app's own database. */
export function clickstreamTablesSql(schema: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${schema}`,
    `CREATE TABLE IF NOT EXISTS ${schema}.event_counts_1m (
      window_start timestamptz NOT NULL, event_type text NOT NULL, events bigint NOT NULL, users bigint,
      revenue double precision, revision integer, PRIMARY KEY (window_start, event_type))`,
    `CREATE TABLE IF NOT EXISTS ${schema}.sessions (
      session_id text PRIMARY KEY, user_key text, started_at timestamptz, ended_at timestamptz, duration_ms bigint,
      events integer, page_views integer, landing_page text, exit_page text)`,
  ];
}

export function demoPipelineGraph(ids: {
  apiKeyId: string;
  saltSecretId: string;
  connectionSecretId: string;
}): PipelineGraph {
  const graph = instantiateTemplate(clickstreamAnalyticsTemplate, {
    credentials: {
      "select-api-key": ids.apiKeyId,
      "select-pii-salt-secret": ids.saltSecretId,
      "select-warehouse-connection": ids.connectionSecretId,
    },
  });
  const demoConfig: Record<string, Record<string, JsonValue>> = {
    ingest: { pathKey: DEMO_PATH_KEY },
    // Few partitions and a short inactivity gap: sessions close within minutes instead of half an hour.
    "by-user": { partitions: 2 },
    sessions: { inactivityGap: "1m", maxDuration: "30m" },
    "counts-table": { table: "demo.event_counts_1m" },
    "sessions-table": { table: "demo.sessions" },
  };
  return {
    nodes: [
      {
        id: "generator",
        type: "generator",
        typeVersion: 1,
        label: "Simulated visitors",
        position: { x: 0, y: 0 },
        config: { eventsPerSecond: DEMO_EVENTS_PER_SECOND, users: 300 },
      },
      ...graph.nodes.map((n) => ({ ...n, config: { ...n.config, ...demoConfig[n.id] } })),
    ],
    edges: [
      { id: "e-generator-validate", source: "generator", sourcePort: "out", target: "validate", targetPort: "in" },
      ...graph.edges,
    ],
  };
}
