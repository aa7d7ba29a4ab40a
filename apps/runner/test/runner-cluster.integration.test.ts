// The runner as `npm start` runs it, with RUNNER_PROCESSES=2: one `node dist/main.mjs` (../build.ts)
// whose supervisor forks two engine processes. They share the public port and the deployment's
// consumer groups (both process events, every event lands exactly once), the canvas's live metrics
// and the supervisor's /metrics add both up, a per-key rate holds for both together, and an engine
// process killed with SIGKILL mid-traffic is started again by the supervisor without an accepted event
// going missing.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { mergeSnapshots, metricsChannel, MetricsSnapshotV1 } from "@sluice/shared";
import { afterAll, describe, expect, it } from "vitest";
import { buildRunner } from "../build";
import { parseMetrics } from "../bench/metrics-text";
import {
  closeSinkTable,
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  waitRunning,
  type World,
} from "./engine-world";
import { ingestMapToPostgres } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const RUNNER_ID = uniqueName("cluster");

type LogLine = { msg?: string; runnerId?: string; pid?: number; url?: string; internalUrl?: string; process?: number };

describe("runner with RUNNER_PROCESSES=2", () => {
  let world: World | undefined;
  let child: ChildProcess | undefined;
  let sinkDb: pg.Client | undefined;
  const table = uniqueName("cluster_sink").replace(/-/g, "_");

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  it("shares a deployment between both engine processes and restarts one killed mid-traffic without losing events", async () => {
    world = await createWorld();
    const w = world;
    sinkDb = await openSinkTable(table, "event_id text PRIMARY KEY");
    const db = sinkDb;

    let stdout = "";
    child = spawn(process.execPath, [await buildRunner()], {
      cwd: repoRoot,
      env: {
        PATH: process.env["PATH"] ?? "",
        RUNNER_PROCESSES: "2",
        RUNNER_ID,
        RUNNER_HOST: "127.0.0.1",
        RUNNER_PORT: "0",
        RUNNER_INTERNAL_PORT: "0",
        RUNNER_TOPIC_PARTITIONS: "4",
        RUNNER_VIEW_RATE_PER_KEY: "5",
        RUNNER_WORKSPACE_IDS: w.workspaceId,
        SLUICE_SECRET_KEY: w.secretKey,
        DATABASE_URL: testServices.databaseUrl,
        REDIS_URL: testServices.redisUrl,
        KAFKA_BROKERS: testServices.kafkaBrokers,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const runner = child;
    runner.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => runner.once("exit", (code) => resolve(code)));
    const lines = (): LogLine[] =>
      stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as LogLine);
    /** The pid each engine process logged when it became ready (the latest per process). */
    const processPid = (n: number) =>
      lines()
        .filter((l) => l.msg === "runner process ready" && l.runnerId === `${RUNNER_ID}-${n}`)
        .at(-1)?.pid;

    const listening = await eventually(
      () => {
        if (runner.exitCode !== null) throw new Error(`runner exited (${runner.exitCode}):\n${stdout}`);
        const line = lines().find((l) => l.msg === "runner listening");
        if (!line?.url || !line.internalUrl || !processPid(1) || !processPid(2)) throw new Error("not listening yet");
        return { url: line.url, internalUrl: line.internalUrl };
      },
      { timeoutMs: 180_000, everyMs: 200 },
    );
    const firstPids = [processPid(1), processPid(2)];
    expect(firstPids.every((pid) => typeof pid === "number")).toBe(true);
    expect(firstPids[0]).not.toBe(firstPids[1]);

    // Per-key rates are counted in Redis: 5 view requests per second with one read key are 5 for both
    // processes together, not 5 each (new connections are handed to them in turn). No view is deployed:
    // a request within the rate gets 404, one beyond it 429.
    const reader = await createApiKey(w, undefined, "read");
    const view = () =>
      fetch(`${listening.url}/v1/views/nothing-here`, {
        headers: { "x-api-key": reader.token, connection: "close" },
      }).then((res) => res.status);
    // Both processes cache the key first; then the bucket refills.
    for (let i = 0; i < 4; i++) expect(await view()).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const statuses = await Promise.all(Array.from({ length: 12 }, view));
    const served = statuses.filter((status) => status === 404).length;
    expect(served).toBeGreaterThanOrEqual(5);
    // Counted per process, 10 would be served; one more may refill while they arrive.
    expect(served).toBeLessThanOrEqual(7);
    expect(statuses.filter((status) => status === 429)).toHaveLength(12 - served);

    // The canvas's view: every engine process publishes its own snapshot under its RUNNER_ID.
    const snapshots = new Map<string, MetricsSnapshotV1>();
    const subscriber = w.redis.duplicate();
    const pipeline = await createPipeline(w, "cluster");
    await subscriber.subscribe(metricsChannel(pipeline.id));
    subscriber.on("message", (_channel: string, message: string) => {
      const parsed = MetricsSnapshotV1.safeParse(JSON.parse(message));
      if (parsed.success) snapshots.set(parsed.data.runnerId, parsed.data);
    });

    try {
      const key = await createApiKey(w);
      const pathKey = uniqueName("cluster").toLowerCase();
      const secretId = await createSecret(w, testServices.databaseUrl);
      const { deploymentId } = await deploy(
        w,
        pipeline.id,
        ingestMapToPostgres({ pathKey, apiKeyId: key.id, connectionSecretId: secretId, table, keyed: true }),
      );
      await waitRunning(w, deploymentId, 120_000);

      // Every request is retried until it is accepted (a killed process drops its connections). None may
      // go unanswered: a connection handed to a process as it is killed must be reset, not left open.
      let sent = 0;
      let unanswered = 0;
      const send = async (requests: number) => {
        for (let r = 0; r < requests; r++) {
          const events = Array.from({ length: 25 }, () => ({
            id: `ev-${sent++}`,
            type: "click",
            userId: `u-${sent % 101}`,
          }));
          for (let attempt = 0; ; attempt++) {
            const status = await fetch(`${listening.url}/v1/ingest/${pathKey}`, {
              method: "POST",
              body: JSON.stringify(events),
              headers: { "x-api-key": key.token, connection: "close" },
              signal: AbortSignal.timeout(10_000),
            }).then(
              (res) => res.status,
              (error: unknown) => {
                if (error instanceof Error && error.name === "TimeoutError") unanswered++;
                return 0;
              },
            );
            if (status === 202) break;
            if (attempt > 600) throw new Error(`ingest keeps answering ${status}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      const mapIn = (runnerId: string) => snapshots.get(runnerId)?.nodes["map"]?.inTotal ?? 0;

      // Both engine processes own partitions of the map -> sink stage once both have processed events.
      await eventually(
        async () => {
          await send(4);
          expect(mapIn(`${RUNNER_ID}-1`)).toBeGreaterThan(0);
          expect(mapIn(`${RUNNER_ID}-2`)).toBeGreaterThan(0);
        },
        { timeoutMs: 120_000, everyMs: 500 },
      );
      const rows = async () =>
        Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
      await eventually(async () => expect(await rows()).toBe(sent), { timeoutMs: 60_000, everyMs: 250 });

      // While both keep their partitions, what they count adds up exactly to what was sent, on the
      // canvas (both processes' snapshots merged) and in the supervisor's /metrics (summed over them).
      // (Before, a process joining the group may have re-processed a batch the other had not committed.)
      const canvasMapIn = () => mergeSnapshots([...snapshots.values()])?.nodes["map"]?.inTotal ?? 0;
      const scrape = async () => {
        const text = await (await fetch(`${listening.internalUrl}/metrics`)).text();
        return { text, metrics: parseMetrics(text) };
      };
      const settled = async () =>
        eventually(
          async () => {
            const { metrics } = await scrape();
            const fromMetrics = metrics.value("sluice_node_events_in_total", { node: "map" });
            expect(canvasMapIn()).toBe(fromMetrics);
            return fromMetrics;
          },
          { timeoutMs: 20_000, everyMs: 300 },
        );
      const before = await settled();
      const sentBefore = sent;
      await send(20);
      await eventually(async () => expect(await rows()).toBe(sent), { timeoutMs: 60_000, everyMs: 250 });
      expect((await settled()) - before).toBe(sent - sentBefore);
      const { text: metricsText, metrics } = await scrape();
      expect(metrics.value("sluice_runner_processes", { state: "ready" })).toBe(2);
      for (const n of [1, 2]) expect(metricsText).toContain(`sluice_runner_info{runner_id="${RUNNER_ID}-${n}"`);
      const health = await fetch(`${listening.internalUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: "ok",
        checks: { postgres: { ok: true }, redis: { ok: true }, kafka: { ok: true }, processes: { ok: true } },
      });

      // SIGKILL engine process 2 while traffic flows; the supervisor starts it again.
      const traffic = send(60);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const killedAt = Date.now();
      process.kill(firstPids[1]!, "SIGKILL");
      await traffic;
      const restartedPid = await eventually(
        () => {
          const pid = processPid(2);
          if (pid === firstPids[1]) throw new Error("process 2 not restarted yet");
          return pid;
        },
        { timeoutMs: 180_000, everyMs: 250 },
      );
      expect(lines().some((l) => l.msg === "runner process exited; restarting it" && l.process === 2)).toBe(true);
      expect(processPid(1)).toBe(firstPids[0]);

      // The restarted process takes partitions again (its counters start from zero).
      await eventually(
        async () => {
          await send(4);
          const snapshot = snapshots.get(`${RUNNER_ID}-2`);
          expect(snapshot && snapshot.uptimeSeconds < (Date.now() - killedAt) / 1000).toBe(true);
          expect(mapIn(`${RUNNER_ID}-2`)).toBeGreaterThan(0);
        },
        { timeoutMs: 120_000, everyMs: 500 },
      );

      // Every accepted event is in the sink exactly once (the key absorbs re-deliveries).
      await eventually(async () => expect(await rows()).toBe(sent), { timeoutMs: 90_000, everyMs: 250 });
      const ids = await db.query<{ event_id: string }>(`SELECT event_id FROM ${table}`);
      expect(new Set(ids.rows.map((r) => r.event_id))).toEqual(
        new Set(Array.from({ length: sent }, (_, i) => `ev-${i}`)),
      );
      // The kill reset the connections it cut; none waited for the client's timeout.
      expect(unanswered).toBe(0);
      expect(restartedPid).not.toBe(firstPids[1]);
    } finally {
      await subscriber.quit().catch(() => subscriber.disconnect());
    }

    // SIGTERM to the runner: both processes drain and stop, then the supervisor.
    runner.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lines().filter((l) => l.msg === "runner stopped").length).toBe(3);
  }, 900_000);
});
