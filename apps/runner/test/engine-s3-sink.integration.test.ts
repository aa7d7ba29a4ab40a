// The s3-sink through the engine, against a real S3-API server (s3rver): events posted to HTTP ingest
// land as gzipped JSON Lines and as Parquet (read back by DuckDB) in folders by event hour, row by
// row as sent; a replay of the whole input (a redeploy from earliest, as after a crash before the
// commits) overwrites the same objects and leaves no duplicate rows. An unreachable store is waited
// out within the sink outage budget, then its waiting events are dead-lettered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeDeadLetterHeaders, DEPLOYMENTS_CHANNEL } from "@sluice/shared";
import { startTcpProxy, type TcpProxy } from "../chaos/tcp-proxy";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";
import {
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  readAll,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from "./s3-server";
import { eventually, uniqueName } from "./services";

describe("engine: s3 sink", () => {
  let world: World;
  let running: RunningEngine;
  let s3: S3Server;

  beforeAll(async () => {
    s3 = await startS3Server();
    world = await createWorld();
    running = await startEngine(world, {
      allowPrivateWebhooks: true,
      topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 },
    });
  });

  afterAll(async () => {
    await running?.stop();
    await world?.close();
    await s3?.close();
  });

  async function eventsIn(pipelineId: string, node: string): Promise<number> {
    const metric = await running.registry.getSingleMetric("sluice_node_events_in_total")?.get();
    return metric?.values.find((v) => v.labels["pipeline"] === pipelineId && v.labels["node"] === node)?.value ?? 0;
  }

  it("writes JSONL and Parquet by event hour, and a replay from earliest leaves no duplicates", async () => {
    const pipeline = await createPipeline(world, "s3-sink");
    const key = await createApiKey(world);
    const pathKey = uniqueName("s3").toLowerCase();
    const secretId = await createSecret(world, S3RVER_CREDENTIALS);
    const root = `${uniqueName("lake")}/`;
    const store = {
      endpoint: s3.endpoint,
      allowPrivateEndpoint: true,
      forcePathStyle: true,
      bucket: s3.bucket,
      credentialsSecretId: secretId,
    };
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        {
          id: "raw",
          type: "s3-sink",
          config: { ...store, keyTemplate: `${root}raw/dt={yyyy}-{MM}-{dd}/hour={HH}/`, format: "jsonl", gzip: true },
        },
        {
          id: "table",
          type: "s3-sink",
          config: {
            ...store,
            keyTemplate: `${root}table/type={event.type}/hour={HH}/`,
            format: "parquet",
            compression: "zstd",
            columns: [
              { name: "event_id", field: "id", type: "string" },
              { name: "user_id", field: "userId", type: "string" },
              { name: "amount", field: "props.amount", type: "double" },
              { name: "items", field: "props.items", type: "int64" },
              { name: "paid", field: "props.paid", type: "boolean" },
              { name: "occurred_at", field: "timestamp", type: "timestamp" },
            ],
          },
        },
      ],
      [
        ["ingest", "raw"],
        ["ingest", "table"],
      ],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);

    const base = Date.parse("2026-06-01T10:00:00Z");
    const sent = Array.from({ length: 300 }, (_, i) => ({
      id: `ev-${i}`,
      type: i % 3 === 0 ? "purchase" : "view",
      userId: `u${i % 17}`,
      // Three event hours.
      timestamp: new Date(base + (i % 3) * 3_600_000 + i * 1000).toISOString(),
      props: { amount: i * 1.5, items: i % 5, paid: i % 2 === 0 },
    }));
    for (let i = 0; i < sent.length; i += 100) {
      const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(sent.slice(i, i + 100)),
        headers: { "x-api-key": key.token },
      });
      expect(res.status).toBe(202);
    }

    const check = async () => {
      const raw = await s3.jsonl(`${root}raw/`);
      expect(raw.length).toBe(sent.length);
      const byId = new Map(raw.map((r) => [r.event["id"], r]));
      expect(byId.size).toBe(sent.length);
      for (const event of sent) {
        const written = byId.get(event.id)!;
        expect(written.event).toMatchObject(event);
        const hour = event.timestamp.slice(11, 13);
        expect(written.key.startsWith(`${root}raw/dt=2026-06-01/hour=${hour}/`)).toBe(true);
        expect(written.key).toMatch(/\+raw\+\d+\.jsonl\.gz$/);
      }
      const table = await s3.parquet(`${root}table/`);
      expect(table.length).toBe(sent.length);
      const rows = new Map(table.map((r) => [r.row["event_id"], r]));
      expect(rows.size).toBe(sent.length);
      for (const event of sent) {
        const written = rows.get(event.id)!;
        expect(written.row).toEqual({
          event_id: event.id,
          user_id: event.userId,
          amount: event.props.amount,
          items: BigInt(event.props.items),
          paid: event.props.paid,
          occurred_at: new Date(event.timestamp),
        });
        expect(written.key.startsWith(`${root}table/type=${event.type}/hour=${event.timestamp.slice(11, 13)}/`)).toBe(
          true,
        );
      }
    };
    await eventually(check, { timeoutMs: 60_000, everyMs: 500 });
    expect(await eventsIn(pipeline.id, "raw")).toBe(sent.length);

    // Replay everything, as after a crash before any commit: the same version from earliest.
    const version = await world.prisma.deployment.findUniqueOrThrow({
      where: { id: deploymentId },
      select: { versionId: true },
    });
    const replay = await world.prisma.$transaction(async (tx) => {
      await tx.deployment.update({ where: { id: deploymentId }, data: { desiredState: "stopped" } });
      return tx.deployment.create({
        data: {
          workspaceId: world.workspaceId,
          pipelineId: pipeline.id,
          versionId: version.versionId,
          desiredState: "running",
          startPosition: "earliest",
          createdById: world.userId,
        },
      });
    });
    await world.redis.publish(DEPLOYMENTS_CHANNEL, pipeline.id);
    await waitRunning(world, replay.id);
    await eventually(async () => expect(await eventsIn(pipeline.id, "raw")).toBe(2 * sent.length), {
      timeoutMs: 60_000,
    });
    await eventually(async () => expect(await eventsIn(pipeline.id, "table")).toBe(2 * sent.length), {
      timeoutMs: 60_000,
    });
    // Every row once: the replay's files overwrote the first run's or replaced them. (Events are
    // counted in before their batch is written: the last writes may still be under way.)
    await eventually(check, { timeoutMs: 60_000, everyMs: 500 });
  });

  it("rolls files by time: requests within the interval land in one file per partition, each event once", async () => {
    const pipeline = await createPipeline(world, "s3-sink-roll");
    const key = await createApiKey(world);
    const pathKey = uniqueName("s3r").toLowerCase();
    const secretId = await createSecret(world, S3RVER_CREDENTIALS);
    const root = `${uniqueName("roll")}/`;
    const store = {
      endpoint: s3.endpoint,
      allowPrivateEndpoint: true,
      forcePathStyle: true,
      bucket: s3.bucket,
      credentialsSecretId: secretId,
      eventTimeField: "receivedAt",
    };
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        { id: "rolled", type: "s3-sink", config: { ...store, keyTemplate: `${root}rolled/`, rollIntervalSeconds: 6 } },
        { id: "plain", type: "s3-sink", config: { ...store, keyTemplate: `${root}plain/` } },
      ],
      [
        ["ingest", "rolled"],
        ["ingest", "plain"],
      ],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);
    const sent = Array.from({ length: 100 }, (_, i) => ({ id: `r-${i}`, type: "view", userId: `u${i % 7}` }));
    const startedAt = Date.now();
    for (let i = 0; i < sent.length; i += 20) {
      const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(sent.slice(i, i + 20)),
        headers: { "x-api-key": key.token },
      });
      expect(res.status).toBe(202);
      await new Promise((r) => setTimeout(r, 150));
    }
    const postedWithinMs = Date.now() - startedAt;
    const ids = (rows: { event: Record<string, unknown> }[]) => rows.map((r) => String(r.event["id"])).sort();
    // The plain sink writes each request's batches as they come.
    await eventually(async () => expect(ids(await s3.jsonl(`${root}plain/`))).toEqual(sent.map((e) => e.id).sort()), {
      timeoutMs: 60_000,
      everyMs: 500,
    });
    const plainFiles = (await s3.list(`${root}plain/`)).filter((k) => k.endsWith(".jsonl"));
    expect(plainFiles.length).toBeGreaterThanOrEqual(5);
    // The rolling sink holds them until the interval ends: one file per partition (3) at most.
    await eventually(async () => expect(ids(await s3.jsonl(`${root}rolled/`))).toEqual(sent.map((e) => e.id).sort()), {
      timeoutMs: 60_000,
      everyMs: 500,
    });
    const rolledFiles = (await s3.list(`${root}rolled/`)).filter((k) => k.endsWith(".jsonl"));
    if (postedWithinMs < 6000) expect(rolledFiles.length).toBeLessThanOrEqual(3);
    expect(rolledFiles.length).toBeLessThan(plainFiles.length);
  });

  it("writes what a key-by stage emits, in files named after the key-by topic's partitions and offsets", async () => {
    const pipeline = await createPipeline(world, "s3-sink-keyed");
    const key = await createApiKey(world);
    const pathKey = uniqueName("s3k").toLowerCase();
    const secretId = await createSecret(world, S3RVER_CREDENTIALS);
    const root = `${uniqueName("keyed")}/`;
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        { id: "by-user", type: "key-by", config: { key: "event.userId" } },
        {
          id: "lake",
          type: "s3-sink",
          config: {
            endpoint: s3.endpoint,
            allowPrivateEndpoint: true,
            forcePathStyle: true,
            bucket: s3.bucket,
            credentialsSecretId: secretId,
            keyTemplate: `${root}user={event.userId}/`,
            eventTimeField: "receivedAt",
          },
        },
      ],
      [
        ["ingest", "by-user"],
        ["by-user", "lake"],
      ],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);
    const sent = Array.from({ length: 60 }, (_, i) => ({ id: `k-${i}`, type: "view", userId: `u${i % 4}` }));
    const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(sent),
      headers: { "x-api-key": key.token },
    });
    expect(res.status).toBe(202);
    const keyedTopic = `sluice.${world.workspaceId}.${pipeline.id}.by-user.out`;
    await eventually(
      async () => {
        const rows = await s3.jsonl(root);
        expect(rows.map((r) => r.event["id"]).sort()).toEqual(sent.map((e) => e.id).sort());
        for (const { key: objectKey, event } of rows) {
          expect(objectKey.startsWith(`${root}user=${String(event["userId"])}/${keyedTopic}+`)).toBe(true);
        }
      },
      { timeoutMs: 60_000, everyMs: 500 },
    );
  });
});

describe("engine: an object store outage", () => {
  let world: World;
  let running: RunningEngine;
  let s3: S3Server;
  let proxy: TcpProxy;
  const budgetMs = 5000;

  beforeAll(async () => {
    s3 = await startS3Server();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(s3.endpoint).port) });
    world = await createWorld();
    running = await startEngine(world, {
      allowPrivateWebhooks: true,
      topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
      pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
      feeder: { ...DEFAULT_ENGINE_SETTINGS.feeder, maxOutageMs: budgetMs },
    });
  });

  afterAll(async () => {
    await running?.stop();
    await world?.close();
    await proxy?.close();
    await s3?.close();
  });

  it("is waited out within the outage budget, then dead-letters what waited longer, as for Postgres", async () => {
    const pipeline = await createPipeline(world, "s3-outage");
    const key = await createApiKey(world);
    const pathKey = uniqueName("s3o").toLowerCase();
    const secretId = await createSecret(world, S3RVER_CREDENTIALS);
    const root = `${uniqueName("outage")}/`;
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        {
          id: "lake",
          type: "s3-sink",
          config: {
            endpoint: `http://127.0.0.1:${proxy.port}`,
            allowPrivateEndpoint: true,
            forcePathStyle: true,
            bucket: s3.bucket,
            credentialsSecretId: secretId,
            keyTemplate: root,
            eventTimeField: "receivedAt",
          },
        },
      ],
      [["ingest", "lake"]],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);
    const post = async (ids: string[]) => {
      const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(ids.map((id) => ({ id, type: "view", userId: "u1" }))),
        headers: { "x-api-key": key.token },
      });
      expect(res.status).toBe(202);
    };
    const stored = async () => (await s3.jsonl(root)).map((r) => String(r.event["id"])).sort();

    // A short outage: the batch waits and lands once the store is back.
    proxy.down();
    await post(["short-0", "short-1", "short-2"]);
    await new Promise((r) => setTimeout(r, 1000));
    proxy.heal();
    await eventually(async () => expect(await stored()).toEqual(["short-0", "short-1", "short-2"]), {
      timeoutMs: 60_000,
      everyMs: 500,
    });

    // Longer than the budget: the waiting events are dead-lettered (not lost), and the partition moves on.
    proxy.down();
    const started = Date.now();
    await post(["long-0", "long-1"]);
    const dead = await readAll(world, `sluice.${world.workspaceId}.${pipeline.id}.lake.dlq`, 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(budgetMs);
    expect(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id).sort()).toEqual([
      "long-0",
      "long-1",
    ]);
    const headers = decodeDeadLetterHeaders(dead[0]!.headers);
    expect(headers.success && headers.data.nodeId).toBe("lake");
    expect(headers.success && headers.data.errorMessage).toContain("unreachable for longer than the outage budget");
    proxy.heal();
    await post(["after-0"]);
    await eventually(async () => expect(await stored()).toEqual(["after-0", "short-0", "short-1", "short-2"]), {
      timeoutMs: 60_000,
      everyMs: 500,
    });
  });
});
