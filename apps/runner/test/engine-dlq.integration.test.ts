// Poison events go to the failing node's dead-letter topic with the error and their source in
// headers while the rest flow on. A sink that cannot be reached is waited out (its events did nothing
// wrong) for up to the outage budget, then dead-lettered; a batch the sink rejects is dead-lettered
// after bounded retries instead of blocking the partition.
import { decodeDeadLetterHeaders, metricsChannel, type MetricsSnapshotV1 } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { startTcpProxy } from "../chaos/tcp-proxy";
import {
  closeSinkTable,
  createApiKey,
  createPipeline,
  createSecret,
  ownTopic,
  readAll,
  deploy,
  openSinkTable,
  waitRunning,
  useEngineWorld,
  type World,
} from "./engine-world";
import { graph, ingestToPostgres } from "./graphs";
import { createRedis, closeRedis } from "../src/services/redis";
import { eventually, testLogger, testServices, uniqueName } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

/** A Secret whose connection string reaches the test Postgres through a proxy that refuses connections until healed. */
async function sinkBehindDownProxy(world: World) {
  const proxy = await startTcpProxy({
    host: "127.0.0.1",
    port: Number(new URL(testServices.databaseUrl).port || 5432),
  });
  proxy.down();
  const url = new URL(testServices.databaseUrl);
  url.host = `127.0.0.1:${proxy.port}`;
  return { proxy, secretId: await createSecret(world, url.toString()) };
}

describe("engine: dead letters", () => {
  const setup = useEngineWorld({
    topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
    pool: { concurrency: 2, attempts: 3, backoffMs: 100 },
  });

  const post = (url: string, pathKey: string, token: string, events: unknown[]) =>
    fetch(`${url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-api-key": token },
    });

  it("dead-letters poison events with error, node, source and attempt headers; the rest flow", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "poison");
    const key = await createApiKey(world);
    const pathKey = uniqueName("poison").toLowerCase();
    const outName = uniqueName("sluice-test-out");
    const outTopic = ownTopic(world, outName);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "filter", type: "filter", config: { condition: "event.props.amount > 10" } },
          { id: "out", type: "kafka-sink", config: { topic: outName } },
        ],
        [
          ["ingest", "filter"],
          ["filter", "out"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);
    await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    const events = Array.from({ length: 40 }, (_, i) => ({
      id: `ev-${i}`,
      type: "purchase",
      userId: `u-${i % 5}`,
      // Every 8th event is poison: a string where the filter compares a number.
      props: { amount: i % 8 === 0 ? "lots" : 20 + i },
    }));
    expect((await post(running.http.url, pathKey, key.token, events)).status).toBe(202);

    const poison = events
      .filter((_, i) => i % 8 === 0)
      .map((e) => e.id)
      .sort();
    const dlqTopic = `sluice.${world.workspaceId}.${pipeline.id}.filter.dlq`;
    const dead = await readAll(world, dlqTopic, poison.length);
    expect(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).sort()).toEqual(poison);
    for (const message of dead) {
      const headers = decodeDeadLetterHeaders(message.headers);
      expect(headers.success).toBe(true);
      if (!headers.success) continue;
      expect(headers.data).toMatchObject({
        nodeId: "filter",
        pipelineId: pipeline.id,
        attempt: 1,
        sourceTopic: `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`,
      });
      expect(headers.data.errorCode).toMatch(/^expression\./);
      expect(headers.data.sourcePartition).toBeGreaterThanOrEqual(0);
      expect(headers.data.sourceOffset).toMatch(/^\d+$/);
    }
    const passed = await readAll(world, outTopic, events.length - poison.length);
    expect(passed.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).sort()).toEqual(
      events
        .filter((_, i) => i % 8 !== 0)
        .map((e) => e.id)
        .sort(),
    );

    // The filter's error reaches the live snapshot (the node drawer's "last errors"), and the stage
    // head reports the bytes it read.
    const firstHeaders = decodeDeadLetterHeaders(dead[0]!.headers);
    const snapshots: MetricsSnapshotV1[] = [];
    const sub = createRedis(testServices.redisUrl, testLogger, "dlq-test-sub");
    await sub.connect();
    sub.on("message", (_channel: string, message: string) => snapshots.push(JSON.parse(message) as MetricsSnapshotV1));
    await sub.subscribe(metricsChannel(pipeline.id));
    try {
      await eventually(
        () =>
          expect(snapshots.at(-1)?.nodes["filter"]?.lastErrors?.map((e) => e.message)).toContain(
            firstHeaders.success ? firstHeaders.data.errorMessage : "?",
          ),
        { timeoutMs: 5000 },
      );
      expect(snapshots.at(-1)!.nodes["ingest"]!.lastErrors).toBeUndefined();
    } finally {
      await closeRedis(sub);
    }
    await world.kafka.admin.deleteTopics([outTopic]);
  });

  it("waits out a sink it cannot reach (nothing dead-lettered), then writes every event", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "sink-down");
    const key = await createApiKey(world);
    const pathKey = uniqueName("down").toLowerCase();
    const table = uniqueName("down_sink").replace(/-/g, "_");
    const db = await openSinkTable(table, "event_id text PRIMARY KEY, event_type text");
    const { proxy, secretId } = await sinkBehindDownProxy(world);
    try {
      const graph = ingestToPostgres(pathKey, key.id, secretId);
      graph.nodes[1]!.config["table"] = table;
      const { deploymentId } = await deploy(world, pipeline.id, graph);
      await waitRunning(world, deploymentId);
      const events = Array.from({ length: 5 }, (_, i) => ({ id: `down-${i}`, type: "click", userId: "u-1" }));
      expect((await post(running.http.url, pathKey, key.token, events)).status).toBe(202);
      // Far more than the pool's 3 attempts (100 ms backoff) pass: the node is failing, nothing is
      // dead-lettered, nothing written, the records wait in their partition.
      await eventually(async () => {
        const row = await world.prisma.deployment.findUniqueOrThrow({ where: { id: deploymentId } });
        expect((row.nodeStatus as Record<string, { state: string; reason?: string }>)["sink"]?.state).toBe("failing");
      });
      await new Promise((r) => setTimeout(r, 3000));
      const dlq = `sluice.${world.workspaceId}.${pipeline.id}.sink.dlq`;
      const ends = await world.kafka.admin.endOffsets([dlq]);
      expect(ends.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(0);
      expect((await db.query(`SELECT 1 FROM ${table}`)).rowCount).toBe(0);

      proxy.heal();
      await eventually(
        async () => expect((await db.query(`SELECT event_id FROM ${table}`)).rowCount).toBe(events.length),
        { timeoutMs: 60_000 },
      );
      expect((await world.kafka.admin.endOffsets([dlq])).reduce((sum, p) => sum + Number(p.offset), 0)).toBe(0);
    } finally {
      await proxy.close();
      await closeSinkTable(db, table);
    }
  });

  it("dead-letters a batch the sink rejects (a data error) after bounded attempts, with the attempt count", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "sink-reject");
    const key = await createApiKey(world);
    const pathKey = uniqueName("reject").toLowerCase();
    const table = uniqueName("reject_sink").replace(/-/g, "_");
    // The table refuses these rows (check violation, SQLSTATE 23514) however often they are written.
    const db = await openSinkTable(table, "event_id text PRIMARY KEY, event_type text CHECK (event_type <> 'refused')");
    try {
      const secretId = await createSecret(world, testServices.databaseUrl);
      const graph = ingestToPostgres(pathKey, key.id, secretId);
      graph.nodes[1]!.config["table"] = table;
      const { deploymentId } = await deploy(world, pipeline.id, graph);
      await waitRunning(world, deploymentId);
      const events = Array.from({ length: 5 }, (_, i) => ({ id: `reject-${i}`, type: "refused", userId: "u-1" }));
      expect((await post(running.http.url, pathKey, key.token, events)).status).toBe(202);
      const dead = await readAll(world, `sluice.${world.workspaceId}.${pipeline.id}.sink.dlq`, events.length);
      expect(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).sort()).toEqual(
        events.map((e) => e.id),
      );
      const headers = decodeDeadLetterHeaders(dead[0]!.headers);
      expect(headers.success && headers.data).toMatchObject({ nodeId: "sink", errorCode: "node.failed", attempt: 3 });
      expect(headers.success && headers.data.errorMessage).toContain("check constraint");
    } finally {
      await closeSinkTable(db, table);
    }
  });
});

describe("engine: a sink outage longer than the outage budget", () => {
  const setup = useEngineWorld({
    topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
    pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
    feeder: { ...DEFAULT_ENGINE_SETTINGS.feeder, maxOutageMs: 1500 },
  });

  it("dead-letters the waiting events once the budget ran out, so the partition moves on", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "sink-gone");
    const key = await createApiKey(world);
    const pathKey = uniqueName("gone").toLowerCase();
    const { proxy, secretId } = await sinkBehindDownProxy(world);
    try {
      const { deploymentId } = await deploy(world, pipeline.id, ingestToPostgres(pathKey, key.id, secretId));
      await waitRunning(world, deploymentId);
      const events = Array.from({ length: 4 }, (_, i) => ({ id: `gone-${i}`, type: "click", userId: "u-1" }));
      const started = Date.now();
      const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(events),
        headers: { "x-api-key": key.token },
      });
      expect(response.status).toBe(202);
      const dead = await readAll(world, `sluice.${world.workspaceId}.${pipeline.id}.sink.dlq`, events.length);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      expect(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).sort()).toEqual(
        events.map((e) => e.id),
      );
      const headers = decodeDeadLetterHeaders(dead[0]!.headers);
      expect(headers.success && headers.data).toMatchObject({ nodeId: "sink", errorCode: "node.failed" });
      expect(headers.success && headers.data.errorMessage).toContain("unreachable for longer than the outage budget");
    } finally {
      await proxy.close();
    }
  });
});
