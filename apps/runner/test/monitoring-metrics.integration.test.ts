// Live metrics: snapshots on metricsChannel about once a second with the rates we drive, lag that
// grows while the sink is blocked and drains back to 0, history streams whose per-interval counts add
// up to what was sent, and the lag-seconds / freshness gauges on /metrics.
import pg from "pg";
import { type HistoryEntryV1, historyStreamKey, type MetricsSnapshotV1, metricsChannel } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIngestPipeline,
  createSecret,
  deploy,
  listen,
  postIngest,
  testTopics,
  useEngineWorld,
  useSinkTable,
  waitRunning,
} from "./engine-world";
import { graph, ingestNode, sinkColumns } from "./graphs";
import { eventually, sleep, testServices } from "./services";

describe("monitoring: live metrics snapshots", () => {
  const sink = useSinkTable("mon", "event_id text PRIMARY KEY, event_type text");
  const { table } = sink;
  let locker: pg.Client;
  beforeAll(async () => {
    locker = new pg.Client({ connectionString: testServices.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
  });
  const setup = useEngineWorld({ topics: testTopics(2) }, "abort");

  it("publishes ~1 snapshot/s with the driven rate, lag while the sink is blocked, and history counts", async () => {
    const { world, running } = setup;
    const ingest = await createIngestPipeline(world, "monitoring");
    const { pipeline } = ingest;
    const secretId = await createSecret(world, testServices.databaseUrl);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          ingestNode(ingest),
          { id: "clicks", type: "filter", config: { condition: "event.type == 'click'" } },
          { id: "sink", type: "postgres-sink", config: { ...sinkColumns, connectionSecretId: secretId, table } },
        ],
        [
          ["ingest", "clicks"],
          ["clicks", "sink"],
        ],
      ),
    );
    await waitRunning(world, deploymentId);

    const sub = await listen<MetricsSnapshotV1>(metricsChannel(pipeline.id));
    const snapshots = sub.messages;
    try {
      let sent = 0;
      const acks: { at: number; n: number }[] = [];
      const post = async (n: number) => {
        const events = Array.from({ length: n }, (_, i) => ({
          id: `m-${sent + i}`,
          type: "click",
          userId: `u-${(sent + i) % 37}`,
          timestamp: Date.now(),
        }));
        sent += n;
        const response = await postIngest(running, ingest, events);
        expect(response.status).toBe(202);
        acks.push({ at: Date.now(), n });
      };

      // 1. A steady 200 events/s for 5 s: 20 events every 100 ms, paced against the wall clock.
      await eventually(() => expect(snapshots.length).toBeGreaterThan(0), { timeoutMs: 5000 });
      const rate = 200;
      const t0 = Date.now();
      for (let i = 0; i < 50; i++) {
        await post(rate / 10);
        const due = t0 + (i + 1) * 100;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const t1 = Date.now();
      await eventually(
        async () =>
          expect(Number((await sink.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n)).toBe(
            sent,
          ),
        { timeoutMs: 10_000 },
      );
      // Snapshots wholly inside the steady phase (1 s after the start, until its end).
      const steady = snapshots.filter((s) => s.at >= t0 + 1500 && s.at <= t1);
      expect(steady.length).toBeGreaterThanOrEqual(2);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const ingestRate = mean(steady.map((s) => s.nodes["ingest"]!.inPerSec));
      const sinkRate = mean(steady.map((s) => s.nodes["sink"]!.inPerSec));
      // The true rate over the same window, from the acknowledged requests (a loaded machine may lag
      // behind the 200/s pacing; the check is that the snapshots report what really arrived).
      const from = snapshots[snapshots.indexOf(steady[0]!) - 1]!.at;
      const to = steady.at(-1)!.at;
      const trueRate =
        (acks.filter((a) => a.at > from && a.at <= to).reduce((sum, a) => sum + a.n, 0) / (to - from)) * 1000;
      console.log(
        `driven ${rate}/s (measured ${trueRate.toFixed(1)}/s); reported ingest ${ingestRate.toFixed(1)}/s, sink ${sinkRate.toFixed(1)}/s over ${steady.length} snapshots`,
      );
      expect(Math.abs(ingestRate - trueRate) / trueRate).toBeLessThan(0.1);
      expect(Math.abs(sinkRate - trueRate) / trueRate).toBeLessThan(0.1);
      expect(Math.abs(trueRate - rate) / rate).toBeLessThan(0.25);
      const gaps = snapshots
        .slice(1)
        .map((s, i) => s.at - snapshots[i]!.at)
        .sort((a, b) => a - b);
      const medianGap = gaps[Math.floor(gaps.length / 2)]!;
      console.log(`snapshot gaps ms: median ${medianGap}, min ${gaps[0]}, max ${gaps.at(-1)}`);
      expect(medianGap).toBeGreaterThan(800);
      expect(medianGap).toBeLessThan(1300);
      const last = snapshots.at(-1)!;
      const topic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
      expect(last.edges.find((e) => e.topic === topic)?.edgeIds).toEqual(["e0"]);
      expect(last.fusedEdgeIds).toEqual(["e1"]);
      expect(last.nodes["sink"]!.pool).toMatchObject({ concurrency: expect.any(Number) as number });
      expect(last.nodes["sink"]!.freshnessSeconds).not.toBeNull();
      expect(steady.some((s) => s.nodes["sink"]!.latencyMs.p50 !== null)).toBe(true);
      // The stage head ("clicks" reads the ingest topic) reports the bytes it read: ~80 B per event here.
      expect(steady.some((s) => s.nodes["clicks"]!.bytesInPerSec > rate * 50)).toBe(true);
      expect(steady.some((s) => (s.edges.find((e) => e.topic === topic)?.producePerSec ?? 0) > rate * 0.8)).toBe(true);

      // 2. Block the sink (table lock): lag and lag seconds grow; release: they drain back to 0.
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      for (let i = 0; i < 5; i++) await post(20);
      const blocked = await eventually(
        () => {
          const edge = snapshots.at(-1)?.edges.find((e) => e.topic === topic);
          expect(edge?.lagMessages).toBeGreaterThan(0);
          expect(edge?.lagSeconds).toBeGreaterThan(1.5);
          return edge!;
        },
        { timeoutMs: 8000 },
      );
      console.log(`blocked: lag ${blocked.lagMessages} messages, ${blocked.lagSeconds} s`);
      await locker.query("ROLLBACK");
      const releasedAt = Date.now();
      const drained = await eventually(
        () => {
          const edge = snapshots.at(-1)?.edges.find((e) => e.topic === topic);
          expect(edge?.lagMessages).toBe(0);
          expect(edge?.lagSeconds).toBe(0);
          return snapshots.at(-1)!;
        },
        { timeoutMs: 10_000 },
      );
      console.log(
        `lag back to 0 in the snapshot of ${drained.at - releasedAt} ms after the release; freshness ${drained.nodes["sink"]!.freshnessSeconds} s`,
      );

      // 3. History: per-interval counts add up to what was sent (one runner here).
      await sleep(1200);
      const entries = (await world.redis.xrange(historyStreamKey(pipeline.id, "1s"), "-", "+")).map(
        ([, fields]) => JSON.parse(fields[1]!) as HistoryEntryV1,
      );
      const sum = (node: string, field: "in" | "out") =>
        entries.reduce((acc, e) => acc + (e.nodes[node]?.[field] ?? 0), 0);
      console.log(
        `history: ${entries.length} 1 s entries, ingest in ${sum("ingest", "in")}, sink in ${sum("sink", "in")}, sent ${sent}`,
      );
      expect(sum("ingest", "in")).toBe(sent);
      expect(sum("ingest", "out")).toBe(sent);
      expect(sum("sink", "in")).toBe(sent);
      expect(entries.at(-1)!.edges[topic]).toEqual({ lag: 0, lagSec: 0 });
      expect(Object.keys(entries.at(-1)!.sinks)).toEqual(["sink"]);
      // The 10 s stream gets an entry at each 10 s boundary (wall clock); its counts never exceed what was sent.
      const coarse = await eventually(
        async () => {
          const rows = (await world.redis.xrange(historyStreamKey(pipeline.id, "10s"), "-", "+")).map(
            ([, fields]) => JSON.parse(fields[1]!) as HistoryEntryV1,
          );
          expect(rows.length).toBeGreaterThan(0);
          return rows;
        },
        { timeoutMs: 12_000, everyMs: 500 },
      );
      const coarseIn = coarse.reduce((acc, e) => acc + (e.nodes["ingest"]?.in ?? 0), 0);
      console.log(`history: ${coarse.length} 10 s entries, ingest in ${coarseIn}`);
      expect(coarseIn).toBeLessThanOrEqual(sent);

      // 4. Prometheus.
      const text = await running.registry.metrics();
      expect(text).toContain(`sluice_edge_lag_seconds{pipeline="${pipeline.id}",edge="ingest.out",partition="0"}`);
      expect(text).not.toContain(world.workspaceId);
      expect(text).toContain(`sluice_sink_freshness_seconds{pipeline="${pipeline.id}",node="sink"}`);
    } finally {
      await locker.query("ROLLBACK").catch(() => undefined);
      await sub.close();
    }
  });
});
