// The s3-sink through the engine, against a real S3-API server (s3rver): events posted to HTTP ingest
// land as gzipped JSON Lines and as Parquet (read back by DuckDB) in folders by event hour, row by
// row as sent; a replay of the whole input (a redeploy from earliest, as after a crash before the
// commits) overwrites the same objects and leaves no duplicate rows. An unreachable store is waited
// out within the sink outage budget, then its waiting events are dead-lettered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeDeadLetterHeaders } from "@sluice/shared";
import { startTcpProxy, type TcpProxy } from "../chaos/tcp-proxy";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";
import {
  createIngestPipeline,
  createSecret,
  deploy,
  eventsIn,
  postIngest,
  readAll,
  redeploy,
  testTopics,
  useEngineWorld,
  waitRunning,
  type World,
} from "./engine-world";
import { graph, ingestNode } from "./graphs";
import { S3RVER_CREDENTIALS, type S3Server, useS3Server } from "./s3-server";
import { eventually, uniqueName } from "./services";

/** A new ingest pipeline, the store config of its s3-sinks (at `endpoint`, default the server) and a fresh folder. */
async function lakePipeline(world: World, s3: S3Server, name: string, endpoint = s3.endpoint) {
  const ingest = await createIngestPipeline(world, name);
  const store = {
    endpoint,
    allowPrivateEndpoint: true,
    forcePathStyle: true,
    bucket: s3.bucket,
    credentialsSecretId: await createSecret(world, S3RVER_CREDENTIALS),
  };
  return { ...ingest, store, root: `${uniqueName(name)}/` };
}

describe("engine: s3 sink", () => {
  const lake = useS3Server();
  const setup = useEngineWorld({ allowPrivateWebhooks: true, topics: testTopics(3) });

  it("writes JSONL and Parquet by event hour, and a replay from earliest leaves no duplicates", async () => {
    const { world, running } = setup;
    const s3 = lake.server;
    const ingest = await lakePipeline(world, s3, "s3-sink");
    const { pipeline, store, root } = ingest;
    const g = graph(
      [
        ingestNode(ingest),
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
      const res = await postIngest(running, ingest, sent.slice(i, i + 100));
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
    expect(await eventsIn(running, pipeline.id, "raw")).toBe(sent.length);

    // Replay everything, as after a crash before any commit: the same version from earliest.
    const replay = await redeploy(world, deploymentId, { startPosition: "earliest" });
    await waitRunning(world, replay.deploymentId);
    await eventually(async () => expect(await eventsIn(running, pipeline.id, "raw")).toBe(2 * sent.length), {
      timeoutMs: 60_000,
    });
    await eventually(async () => expect(await eventsIn(running, pipeline.id, "table")).toBe(2 * sent.length), {
      timeoutMs: 60_000,
    });
    // Every row once: the replay's files overwrote the first run's or replaced them. (Events are
    // counted in before their batch is written: the last writes may still be under way.)
    await eventually(check, { timeoutMs: 60_000, everyMs: 500 });
  });

  it("rolls files by time: requests within the interval land in one file per partition, each event once", async () => {
    const { world, running } = setup;
    const s3 = lake.server;
    const ingest = await lakePipeline(world, s3, "s3-sink-roll");
    const { pipeline, root } = ingest;
    const store = { ...ingest.store, eventTimeField: "receivedAt" };
    const g = graph(
      [
        ingestNode(ingest),
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
      const res = await postIngest(running, ingest, sent.slice(i, i + 20));
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
    const { world, running } = setup;
    const s3 = lake.server;
    const ingest = await lakePipeline(world, s3, "s3-sink-keyed");
    const { pipeline, store, root } = ingest;
    const g = graph(
      [
        ingestNode(ingest),
        { id: "by-user", type: "key-by", config: { key: "event.userId" } },
        {
          id: "lake",
          type: "s3-sink",
          config: { ...store, keyTemplate: `${root}user={event.userId}/`, eventTimeField: "receivedAt" },
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
    const res = await postIngest(running, ingest, sent);
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
  const lake = useS3Server();
  let proxy: TcpProxy;
  const budgetMs = 5000;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(lake.server.endpoint).port) });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const setup = useEngineWorld({
    allowPrivateWebhooks: true,
    topics: testTopics(1),
    pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
    feeder: { ...DEFAULT_ENGINE_SETTINGS.feeder, maxOutageMs: budgetMs },
  });

  it("is waited out within the outage budget, then dead-letters what waited longer, as for Postgres", async () => {
    const { world, running } = setup;
    const s3 = lake.server;
    const ingest = await lakePipeline(world, s3, "s3-outage", `http://127.0.0.1:${proxy.port}`);
    const { pipeline, store, root } = ingest;
    const g = graph(
      [
        ingestNode(ingest),
        { id: "lake", type: "s3-sink", config: { ...store, keyTemplate: root, eventTimeField: "receivedAt" } },
      ],
      [["ingest", "lake"]],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId);
    const post = async (ids: string[]) => {
      const res = await postIngest(
        running,
        ingest,
        ids.map((id) => ({ id, type: "view", userId: "u1" })),
      );
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
