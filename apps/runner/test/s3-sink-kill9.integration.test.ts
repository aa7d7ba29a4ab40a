// kill -9 during upload: a real runner process writing Parquet files to a real S3 API (s3rver) is
// SIGKILLed right after some of a batch's files were stored (inside the server's "object created"
// notification, before the rest of the batch and its offset commit), twice; a new process resumes.
// DuckDB then reads every object: each event exactly once across all files, none missing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runnerProcess, type RunnerProcess } from "../chaos/runner-process";
import {
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  waitRunning,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from "./s3-server";
import { eventually, testServices, uniqueName } from "./services";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const EVENTS = 3000;

describe("s3 sink: kill -9 during upload", () => {
  let world: World;
  let s3: S3Server;
  let logDir: string;
  const runners: RunnerProcess[] = [];

  beforeAll(async () => {
    s3 = await startS3Server();
    world = await createWorld();
    logDir = await mkdtemp(join(tmpdir(), "sluice-kill9-s3-"));
  });

  afterAll(async () => {
    for (const r of runners) await r.kill9();
    await world?.close();
    await s3?.close();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it("leaves every event in exactly one Parquet file after SIGKILLs mid-batch", async () => {
    const runner = runnerProcess({
      name: "s3-kill9",
      port: 0,
      repoRoot,
      logDir,
      env: {
        PATH: process.env["PATH"] ?? "",
        DATABASE_URL: testServices.databaseUrl,
        REDIS_URL: testServices.redisUrl,
        KAFKA_BROKERS: testServices.kafkaBrokers,
        SLUICE_SECRET_KEY: world.secretKey,
        RUNNER_WORKSPACE_IDS: world.workspaceId,
        RUNNER_TOPIC_PARTITIONS: "3",
        // Small batches: many batches, each several files (one per event hour), while the kills land.
        RUNNER_BATCH_MAX_RECORDS: "60",
        RUNNER_BATCH_LINGER_MS: "20",
        ALLOW_PRIVATE_WEBHOOKS: "true",
        LOG_LEVEL: "info",
      },
    });
    runners.push(runner);
    await runner.start();

    const pipeline = await createPipeline(world, "s3-kill9");
    const key = await createApiKey(world);
    const secretId = await createSecret(world, S3RVER_CREDENTIALS);
    const root = `${uniqueName("kill9")}/`;
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey: uniqueName("k9").toLowerCase(), apiKeyId: key.id } },
        {
          id: "lake",
          type: "s3-sink",
          config: {
            endpoint: s3.endpoint,
            allowPrivateEndpoint: true,
            forcePathStyle: true,
            bucket: s3.bucket,
            credentialsSecretId: secretId,
            keyTemplate: `${root}hour={HH}/`,
            format: "parquet",
            compression: "snappy",
            columns: [
              { name: "event_id", field: "id", type: "string" },
              { name: "n", field: "props.n", type: "int64" },
              { name: "occurred_at", field: "timestamp", type: "timestamp" },
            ],
          },
        },
      ],
      [["ingest", "lake"]],
    );
    const { deploymentId } = await deploy(world, pipeline.id, g);
    await waitRunning(world, deploymentId, 120_000);

    // Kill inside the server's notification of a stored data file: the batch's other files, its
    // manifest bookkeeping of later batches and its offset commit have not happened yet.
    let stored = 0;
    const killAt = [8, 40];
    let kills = 0;
    s3.onEvent((line) => {
      if (!line.startsWith("ObjectCreated") || !line.includes(root) || !line.endsWith(".parquet")) return;
      stored++;
      if (kills < killAt.length && stored === killAt[kills]) {
        kills++;
        void runner.kill9();
      }
    });

    // Events go straight to the ingest node's topic (HTTP ingest would die with the runner and a
    // client retry would duplicate events before the sink): three event hours, so each batch writes
    // up to three files.
    const topic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
    const producer = world.kafka.producer({ name: "kill9-test" });
    const base = Date.parse("2026-07-01T10:00:00Z");
    const sent = Array.from({ length: EVENTS }, (_, i) => ({
      id: `k9-${i}`,
      type: "view",
      userId: `u${i % 31}`,
      timestamp: new Date(base + (i % 3) * 3_600_000 + i).toISOString(),
      props: { n: i },
    }));
    for (let i = 0; i < sent.length; i += 200) {
      await producer.send(sent.slice(i, i + 200).map((e) => ({ topic, key: e.userId, value: JSON.stringify(e) })));
    }
    await producer.close();

    // Restart after each kill; the last process runs until every event landed.
    for (let k = 0; k < killAt.length; k++) {
      await eventually(() => expect(runner.alive()).toBe(false), { timeoutMs: 120_000, everyMs: 20 });
      await runner.start();
    }
    expect(kills).toBe(killAt.length);

    await eventually(
      async () => {
        const rows = await s3.parquet(root);
        const ids = rows.map((r) => String(r.row["event_id"]));
        // Every event once: as many rows as events, no id twice, none missing.
        expect({ rows: rows.length, distinct: new Set(ids).size }).toEqual({ rows: EVENTS, distinct: EVENTS });
        const byId = new Map(rows.map((r) => [String(r.row["event_id"]), r]));
        for (const e of sent) {
          const written = byId.get(e.id)!;
          expect(written.row).toEqual({ event_id: e.id, n: BigInt(e.props.n), occurred_at: new Date(e.timestamp) });
          expect(written.key.startsWith(`${root}hour=${e.timestamp.slice(11, 13)}/`)).toBe(true);
        }
      },
      { timeoutMs: 120_000, everyMs: 1000 },
    );
    // The kills did land inside uncommitted batches: the restarted process ran their offsets again,
    // overwriting files of the same name or deleting the ones its new cut of batches does not repeat.
    const created = new Map<string, number>();
    let removed = 0;
    for (const line of s3.events.filter((l) => l.includes(root) && l.endsWith(".parquet"))) {
      if (line.startsWith("ObjectRemoved")) removed++;
      else if (line.startsWith("ObjectCreated"))
        created.set(line.split(" ")[1]!, (created.get(line.split(" ")[1]!) ?? 0) + 1);
    }
    const overwritten = [...created.values()].filter((n) => n > 1).length;
    expect(overwritten + removed).toBeGreaterThan(0);
    await runner.stop();
  }, 420_000);
});
