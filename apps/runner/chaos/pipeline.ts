// The pipeline under test, deployed through the database like the web app does (rows + PUBLISH), so
// the runner processes pick it up through their reconcilers:
//
//   ingest -> validate -+-> key-by user -> map -> events sink   (Postgres upsert by event id)
//                       +-> dedup by id -> 10 s tumbling counts per type -> counts sink (upsert by window id)
//
// The events table records the order rows were first inserted (`ord`) and how often a row was written
// again (`deliveries`, counted by a trigger): replays are visible, and must be absorbed.
import pg from "pg";
import type { PipelineGraph } from "@sluice/shared";
import { compilePlan, type Plan } from "@sluice/shared";
import {
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  closeSinkTable,
  type World,
} from "../test/engine-world";
import { graph, postgresSinkNode } from "../test/graphs";
import { uniqueName } from "../test/services";

export const WINDOW_MS = 10_000;

export type ChaosPipeline = {
  world: World;
  plan: Plan;
  pathKey: string;
  apiKey: string;
  eventsTable: string;
  countsTable: string;
  /** Client of the scratch database (assertions). */
  db: pg.Client;
  close(): Promise<void>;
};

export function chaosGraph(options: {
  pathKey: string;
  apiKeyId: string;
  sinkSecretId: string;
  eventsTable: string;
  countsTable: string;
  partitions: number;
}): PipelineGraph {
  return graph(
    [
      {
        id: "ingest",
        type: "http-ingest",
        config: { pathKey: options.pathKey, apiKeyId: options.apiKeyId, requireEventId: true },
      },
      {
        id: "validate",
        type: "validate",
        config: {
          schema: {
            type: "object",
            required: ["id", "type", "userId", "timestamp", "props"],
            properties: {
              id: { type: "string", minLength: 1 },
              userId: { type: "string" },
              props: {
                type: "object",
                required: ["seq", "amount"],
                properties: { seq: { type: "integer", minimum: 0 }, amount: { type: "number", minimum: 0 } },
              },
            },
          },
        },
      },
      { id: "by_user", type: "key-by", config: { key: "event.userId", partitions: options.partitions } },
      {
        id: "cents",
        type: "map",
        config: { assignments: [{ target: "amountCents", expression: "int(event.props.amount * 100.0)" }] },
      },
      postgresSinkNode({
        id: "events",
        connectionSecretId: options.sinkSecretId,
        table: options.eventsTable,
        mode: "upsert",
        keyColumns: ["event_id"],
        columns: {
          event_id: "event.id",
          user_id: "event.userId",
          seq: "event.props.seq",
          event_type: "event.type",
          amount_cents: "event.amountCents",
        },
      }),
      { id: "dedup", type: "dedup", config: { key: "event.id", window: "1h" } },
      {
        id: "win",
        type: "window",
        config: {
          kind: "tumbling",
          size: "10s",
          // Wide margins: the assertions count every event, so none may be too late by design.
          watermarkDelay: "30s",
          allowedLateness: "10m",
          groupBy: [{ name: "eventType", expression: "event.type" }],
          aggregations: [{ name: "events", function: "count" }],
        },
      },
      postgresSinkNode({
        id: "counts",
        connectionSecretId: options.sinkSecretId,
        table: options.countsTable,
        mode: "upsert",
        keyColumns: ["window_id"],
        columns: {
          window_id: "event.windowId",
          event_type: "event.eventType",
          window_start: "event.windowStart",
          events: "event.events",
          revision: "event.revision",
        },
      }),
    ],
    [
      ["ingest", "validate"],
      ["validate", "by_user"],
      ["by_user", "cents"],
      ["cents", "events"],
      ["validate", "dedup"],
      ["dedup", "win"],
      ["win", "counts"],
    ],
  );
}

/**
 * A workspace with the pipeline deployed; `sinkUrl` is the connection string the sinks get (a Secret),
 * e.g. through a TCP proxy. Runner processes must run with `world.secretKey` as SLUICE_SECRET_KEY.
 */
export async function deployChaosPipeline(options: {
  databaseUrl: string;
  sinkUrl?: string;
  partitions: number;
}): Promise<ChaosPipeline & { deploymentId: string }> {
  const world = await createWorld();
  const suffix = uniqueName("c").replace(/-/g, "_");
  const eventsTable = `chaos_events_${suffix}`;
  const countsTable = `chaos_counts_${suffix}`;
  const db = await openSinkTable(
    eventsTable,
    "event_id text PRIMARY KEY, user_id text NOT NULL, seq int NOT NULL, event_type text NOT NULL, amount_cents bigint, ord bigserial, deliveries int NOT NULL DEFAULT 1",
  );
  await db.query(
    `CREATE TABLE ${countsTable} (window_id text PRIMARY KEY, event_type text NOT NULL, window_start timestamptz NOT NULL, events bigint NOT NULL, revision int NOT NULL)`,
  );
  await db.query(
    `CREATE FUNCTION ${eventsTable}_redelivered() RETURNS trigger AS $$ BEGIN NEW.deliveries := OLD.deliveries + 1; NEW.ord := OLD.ord; RETURN NEW; END $$ LANGUAGE plpgsql`,
  );
  await db.query(
    `CREATE TRIGGER redelivered BEFORE UPDATE ON ${eventsTable} FOR EACH ROW EXECUTE FUNCTION ${eventsTable}_redelivered()`,
  );

  const pipeline = await createPipeline(world, "chaos");
  const key = await createApiKey(world, pipeline.id);
  const secretId = await createSecret(world, options.sinkUrl ?? options.databaseUrl);
  const pathKey = uniqueName("chaos").toLowerCase();
  const pipelineGraph = chaosGraph({
    pathKey,
    apiKeyId: key.id,
    sinkSecretId: secretId,
    eventsTable,
    countsTable,
    partitions: options.partitions,
  });
  const compiled = compilePlan({
    workspaceId: world.workspaceId,
    workspaceSlug: world.slug,
    pipelineId: pipeline.id,
    graph: pipelineGraph,
    settings: { partitions: options.partitions },
  });
  if (!compiled.ok) throw new Error(compiled.reason);
  const { deploymentId } = await deploy(world, pipeline.id, pipelineGraph);
  return {
    world,
    plan: compiled.plan,
    pathKey,
    apiKey: key.token,
    eventsTable,
    countsTable,
    db,
    deploymentId,
    async close() {
      await db.query(`DROP TABLE IF EXISTS ${countsTable}`);
      await db.query(`DROP FUNCTION IF EXISTS ${eventsTable}_redelivered() CASCADE`);
      await closeSinkTable(db, eventsTable);
      await world.close();
    },
  };
}
