// One run of the issue's benchmark pipeline on the local services, with the runner and the load
// generator each in a process of its own:
//   HTTP ingest (batches of 100) -> validate -> filter -> map -> key-by user -> [topic]
//     -> 10 s tumbling counts per event type -> Postgres upsert
// Phases: warm-up; max (closed loop on 4x --connections, backpressure bounds the lag); open-loop latency at 50% and 80%
// of that max and at 15,000 events/s; 5x overload. Prints one JSON line (scripts/bench.ts takes medians).
//
// Counted at the sink: every load ends with a closing request (events just past its last window, so
// every window it fed can close), and a phase ends when the Postgres table holds every closed window
// with exactly the count the generator computed from the events the runner accepted (202). A window
// missing or off by one fails the run with the difference (exit 1); so do counts that stop changing.
// Sustained = events accepted in the max phase ÷ (the generator's first request → the sink's write of its
// last window).
//
// Latency (defined here, documented in BENCHMARKS.md): per window, from the moment the runner accepted
// (the generator got the 202 of) the first request that let the window close (an event past its end
// plus the watermark delay) to the sink's write of the window's final count (a trigger stamps
// clock_timestamp() on the row; the commit follows within the same statement). One sample per
// window, weighted by its events. The wait for the window to end is not in it.
//
//   node --import tsx apps/runner/bench/pipeline-bench.ts [--port 4205] [--max-seconds 20]
//     [--latency-seconds 30] [--overload-seconds 30] [--connections 8] [--profile-dir DIR]
//     [--phases max,latency,overload] [--stall-seconds 60]
import { spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  closeSinkTable,
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  waitRunning,
} from "../test/engine-world";
import { graph, postgresSinkNode } from "../test/graphs";
import { testServices, uniqueName } from "../test/services";
import { histogramQuantile, type Scrape } from "./metrics-text";
import { cpuMicrosPerEvent, findBrokerPid, processTreeMemory, sampleCpu } from "./proc-cpu";
import { startRunnerProcess, type RunnerProcess } from "./runner-process";
import {
  addCounts,
  closedUpTo,
  compareWindowCounts,
  describeWindowCheck,
  weightedQuantile,
  windowKey,
  type WindowCheck,
  type WindowCounts,
} from "./window-counts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4205" },
    "max-seconds": { type: "string", default: "20" },
    "latency-seconds": { type: "string", default: "30" },
    "overload-seconds": { type: "string", default: "30" },
    connections: { type: "string", default: "8" },
    "profile-dir": { type: "string" },
    phases: { type: "string", default: "max,latency,overload" },
    /** V8 flags for the runner process only, e.g. "--max-old-space-size=256". */
    "runner-node-flags": { type: "string", default: "" },
    /** Fail when the sink has not changed for this long while windows are still missing or wrong. */
    "stall-seconds": { type: "string", default: "60" },
  },
});
const port = Number(values.port);
const phases = new Set(values.phases.split(","));
const root = join(import.meta.dirname, "..", "..", "..");
const node = process.execPath;
const log = (line: string) => process.stderr.write(`[pipeline-bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 10_000;
const WATERMARK_DELAY_MS = 1000;
/** The filter drops this type, so its windows must never reach the sink. */
const FILTERED_TYPE = "signup";

const world = await createWorld();
const table = uniqueName("bench_counts").replace(/-/g, "_");
const sinkDb = await openSinkTable(
  table,
  "window_id text PRIMARY KEY, window_start timestamptz, event_type text, events bigint, revision int, committed_at timestamptz, writes int",
);
// When each window's count last changed in the sink (the row write inside the sink's statement, just
// before its commit) and how many times the sink wrote it (emissions, including replays).
await sinkDb.query(`CREATE FUNCTION ${table}_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.writes := 1;
    NEW.committed_at := clock_timestamp();
  ELSE
    NEW.writes := OLD.writes + 1;
    NEW.committed_at := CASE WHEN NEW.events IS DISTINCT FROM OLD.events THEN clock_timestamp() ELSE OLD.committed_at END;
  END IF;
  RETURN NEW;
END $$`);
await sinkDb.query(
  `CREATE TRIGGER ${table}_stamp BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_stamp()`,
);
let runner: RunnerProcess | undefined;
try {
  const pipeline = await createPipeline(world, "bench");
  const key = await createApiKey(world);
  const secretId = await createSecret(world, testServices.databaseUrl);
  const pathKey = uniqueName("bench").toLowerCase();

  runner = await startRunnerProcess(world, {
    port,
    nodeFlags: values["runner-node-flags"],
    profileDir: values["profile-dir"],
  });
  const { base, scrape } = runner;

  const { deploymentId } = await deploy(
    world,
    pipeline.id,
    graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id, maxBatch: 500 } },
        { id: "validate", type: "validate" },
        { id: "filter", type: "filter", config: { condition: 'event.type != "signup"' } },
        {
          id: "map",
          type: "map",
          config: { assignments: [{ target: "props.cents", expression: "int(event.props.amount * 100.0)" }] },
        },
        { id: "bykey", type: "key-by", config: { key: "event.userId" } },
        {
          id: "win",
          type: "window",
          config: {
            kind: "tumbling",
            size: "10s",
            watermarkDelay: "1s",
            allowedLateness: "10s",
            groupBy: [{ name: "eventType", expression: "event.type" }],
            aggregations: [{ name: "events", function: "count" }],
          },
        },
        postgresSinkNode({
          connectionSecretId: secretId,
          table,
          mode: "upsert",
          keyColumns: ["window_id"],
          columns: {
            window_id: "event.windowId",
            window_start: "event.windowStart",
            event_type: "event.eventType",
            events: "event.events",
            revision: "event.revision",
          },
        }),
      ],
      [
        ["ingest", "validate"],
        ["validate", "filter"],
        ["filter", "map"],
        ["map", "bykey"],
        ["bykey", "win"],
        ["win", "sink"],
      ],
    ),
  );
  await waitRunning(world, deploymentId, 60_000);
  log(`deployed ${deploymentId}; runner on ${base}`);

  // Runner RSS and Redis memory, sampled every second for the whole run (a scrape costs the runner CPU too).
  // RSS is the runner's own figure (with several engine processes, their sum: the node binary's pages
  // count once per process); PSS comes from /proc for the supervisor and its engine processes, each
  // shared page counted once: the memory the runner takes from the machine.
  const peaks = {
    rssBytes: 0,
    pssBytes: 0,
    redisBytes: 0,
    overloadRssBytes: 0,
    overloadPssBytes: 0,
    heapUsedBytes: 0,
    heapTotalBytes: 0,
    externalBytes: 0,
  };
  let inOverload = false;
  const redisMemory = async () => Number(/used_memory:(\d+)/.exec(await world.redis.info("memory"))?.[1] ?? 0);
  const sampler = setInterval(() => {
    const memory = processTreeMemory(runner!.pid);
    if (memory) {
      peaks.pssBytes = Math.max(peaks.pssBytes, memory.pss);
      if (inOverload) peaks.overloadPssBytes = Math.max(peaks.overloadPssBytes, memory.pss);
    }
    void scrape().then(
      (m) => {
        const rss = m.value("process_resident_memory_bytes");
        peaks.rssBytes = Math.max(peaks.rssBytes, rss);
        peaks.heapUsedBytes = Math.max(peaks.heapUsedBytes, m.value("nodejs_heap_size_used_bytes"));
        peaks.heapTotalBytes = Math.max(peaks.heapTotalBytes, m.value("nodejs_heap_size_total_bytes"));
        peaks.externalBytes = Math.max(peaks.externalBytes, m.value("nodejs_external_memory_bytes"));
        if (inOverload) peaks.overloadRssBytes = Math.max(peaks.overloadRssBytes, rss);
      },
      () => undefined,
    );
    void redisMemory().then(
      (b) => (peaks.redisBytes = Math.max(peaks.redisBytes, b)),
      () => undefined,
    );
  }, 1000);

  type LoadResult = {
    accepted: number;
    rejected: number;
    tooMany: number;
    errors: number;
    notOffered: number;
    seconds: number;
    acceptedPerSecond: number;
    requestP50Ms: number | null;
    requestP99Ms: number | null;
    avgEventBytes: number;
    windows: Record<string, number>;
    maxEventTime: Record<string, number>;
    closableAt: Record<string, number>;
    resumeAfter: number | null;
    startedAt: number;
    endedAt: number;
  };
  // What the sink must hold: every event the runner accepted (202) and the filter keeps, per window.
  const expected: WindowCounts = new Map();
  const maxEventTime: Record<string, number> = {};
  let resumeAfter = 0;
  let runIndex = 0;
  const load = async (rate: number, seconds: number, connections: number): Promise<LoadResult> => {
    // The previous load closed its last window with events just past its end: newer ones must not be late.
    if (Date.now() < resumeAfter) await sleep(resumeAfter - Date.now());
    const generated = await new Promise<LoadResult>((resolve, reject) => {
      const args = [
        "--url",
        `${base}/v1/ingest/${pathKey}`,
        "--key",
        key.token,
        "--rate",
        String(rate),
        "--seconds",
        String(seconds),
        "--connections",
        String(connections),
        "--prefix",
        `r${runIndex++}`,
      ];
      const p = spawn(
        node,
        [
          "--import",
          "tsx",
          join(root, "apps/runner/bench/load-generator.ts"),
          ...args,
          "--window-ms",
          String(WINDOW_MS),
          "--delay-ms",
          String(WATERMARK_DELAY_MS),
          "--close",
        ],
        {
          cwd: root,
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let out = "";
      p.stdout.on("data", (c: Buffer) => (out += c.toString()));
      p.on("exit", (code) =>
        code === 0
          ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult)
          : reject(new Error(`load generator exited with ${code}`)),
      );
    });
    addCounts(
      expected,
      Object.entries(generated.windows).filter(([window]) => !window.endsWith(`|${FILTERED_TYPE}`)),
    );
    for (const [type, ts] of Object.entries(generated.maxEventTime))
      if (type !== FILTERED_TYPE) maxEventTime[type] = Math.max(maxEventTime[type] ?? ts, ts);
    resumeAfter = generated.resumeAfter ?? resumeAfter;
    return generated;
  };

  type SinkRow = { key: string; events: number; committedMs: number; writes: number };
  const sinkRows = async (): Promise<Map<string, SinkRow>> => {
    const rows = await sinkDb.query<{
      start_ms: string;
      event_type: string;
      events: string;
      committed_ms: number;
      writes: number;
    }>(
      `SELECT (extract(epoch FROM window_start) * 1000)::bigint AS start_ms, event_type, events, extract(epoch FROM committed_at) * 1000 AS committed_ms, writes FROM ${table}`,
    );
    return new Map(
      rows.rows.map((r) => {
        const k = windowKey(Number(r.start_ms), r.event_type);
        return [k, { key: k, events: Number(r.events), committedMs: Number(r.committed_ms), writes: r.writes }];
      }),
    );
  };
  /**
   * Waits until the sink holds every closed window with exactly the generator's count (the load ended
   * with a closing request, so that is every window it fed). Fails, printing the difference, when the
   * sink stops changing for --stall-seconds or the timeout passes first.
   */
  const landed = async (
    timeoutMs: number,
  ): Promise<{ rows: Map<string, SinkRow>; check: WindowCheck; landedAt: number }> => {
    const deadline = Date.now() + timeoutMs;
    const stallMs = Number(values["stall-seconds"]) * 1000;
    const upTo = closedUpTo(maxEventTime, Object.keys(maxEventTime), WATERMARK_DELAY_MS);
    let fingerprint = "";
    let changedAt = Date.now();
    for (;;) {
      const rows = await sinkRows();
      const check = compareWindowCounts(expected, new Map([...rows].map(([k, r]) => [k, r.events])), WINDOW_MS, upTo);
      if (check.ok) return { rows, check, landedAt: Math.max(0, ...[...rows.values()].map((r) => r.committedMs)) };
      const now = [...rows.values()]
        .map((r) => `${r.key}=${r.events}/${r.writes}`)
        .sort()
        .join(",");
      if (now !== fingerprint) [fingerprint, changedAt] = [now, Date.now()];
      if (Date.now() > deadline || Date.now() - changedAt > stallMs) {
        throw new Error(
          `the sink does not hold the generator's counts (${Date.now() > deadline ? "timeout" : `unchanged for ${values["stall-seconds"]} s`}):\n${describeWindowCheck(check)}`,
        );
      }
      await sleep(250);
    }
  };
  /**
   * Latency of the windows a load closed: from the moment the runner accepted the input that let a
   * window close (closableAt, measured by the generator) to the sink's write of its final count, one
   * sample per window weighted by its events (so it is a per-event distribution).
   */
  const windowLatency = (generated: LoadResult, rows: Map<string, SinkRow>) => {
    const samples: { value: number; weight: number }[] = [];
    for (const [end, at] of Object.entries(generated.closableAt)) {
      for (const type of Object.keys(maxEventTime)) {
        const k = windowKey(Number(end) - WINDOW_MS, type);
        const row = rows.get(k);
        // The answer reaches the generator a moment after the runner sent it; never report below 0.
        if (row) samples.push({ value: Math.max(0, row.committedMs - at), weight: expected.get(k) ?? 0 });
      }
    }
    const q = (p: number) => {
      const v = weightedQuantile(samples, p);
      return v === null ? null : +v.toFixed(1);
    };
    return { p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1), windows: samples.length };
  };

  const counts = (m: Scrape) => ({
    ingested: m.value("sluice_node_events_out_total", { node: "ingest" }),
    windowIn: m.value("sluice_node_events_in_total", { node: "win" }),
    cpuSeconds: m.value("process_cpu_user_seconds_total") + m.value("process_cpu_system_seconds_total"),
  });

  const result: Record<string, unknown> = {
    runnerProcesses: await runner.processes(),
    pipeline:
      "ingest(100/request) -> validate -> filter -> map -> key-by user -> 10s tumbling count per type -> postgres upsert",
  };
  log("warm-up");
  await load(0, 4, Number(values.connections));
  await landed(120_000);

  let sustained = 0;
  if (phases.has("max")) {
    const seconds = Number(values["max-seconds"]);
    const redisPid = Number(/process_id:(\d+)/.exec(await world.redis.info("server"))?.[1] ?? NaN);
    const pids = { runner: runner.pid, broker: findBrokerPid(), redis: Number.isNaN(redisPid) ? null : redisPid };
    const before = await scrape();
    const cpuBefore = sampleCpu(pids);
    const startedAt = Date.now();
    // Closed loop with enough connections that the runner, not the round trips, sets the pace (it pushes
    // back with 429 past its lag threshold).
    const generated = await load(0, seconds, Number(values.connections) * 4);
    const end = await landed(180_000);
    const cpuAfter = sampleCpu(pids);
    const after = await scrape();
    const b = counts(before);
    const a = counts(after);
    const events = generated.accepted;
    // From the generator's first request (its process takes a moment to start) to the sink's write
    // of the last window.
    const elapsed = (end.landedAt - generated.startedAt) / 1000;
    sustained = Math.round(events / elapsed);
    result["max"] = {
      eventsPerSecond: sustained,
      events,
      seconds: +elapsed.toFixed(2),
      ingestAcceptedPerSecond: generated.acceptedPerSecond,
      responses429: generated.tooMany,
      errors: generated.errors,
      runnerCpuMicrosPerEvent: +(((a.cpuSeconds - b.cpuSeconds) * 1e6) / events).toFixed(1),
      // From /proc over the same span; machine-wide includes the load generator and Postgres.
      cpuMicrosPerEvent: (({ machine, processes }) => ({ machine, ...processes }))(
        cpuMicrosPerEvent(cpuBefore, cpuAfter, events),
      ),
      requestP50Ms: generated.requestP50Ms,
      requestP99Ms: generated.requestP99Ms,
      avgEventBytes: generated.avgEventBytes,
      // Seconds from the phase's start: the generator's first request and its load's end, its
      // closing request accepted, the sink's write of the last window.
      timeline: {
        loadStarted: +((generated.startedAt - startedAt) / 1000).toFixed(2),
        loadEnded: +((generated.endedAt - startedAt) / 1000).toFixed(2),
        closed: +((Math.max(...Object.values(generated.closableAt)) - startedAt) / 1000).toFixed(2),
        landed: +((end.landedAt - startedAt) / 1000).toFixed(2),
      },
      // Events per BullMQ job (batch), per stage: the lever for per-job overhead.
      avgBatchFirstStage: +(
        (after.value("sluice_node_events_in_total", { node: "validate" }) -
          before.value("sluice_node_events_in_total", { node: "validate" })) /
        Math.max(
          1,
          after.value("sluice_node_batch_seconds_count", { node: "validate" }) -
            before.value("sluice_node_batch_seconds_count", { node: "validate" }),
        )
      ).toFixed(1),
      avgBatchWindowStage: +(
        (a.windowIn - b.windowIn) /
        Math.max(
          1,
          after.value("sluice_node_batch_seconds_count", { node: "win" }) -
            before.value("sluice_node_batch_seconds_count", { node: "win" }),
        )
      ).toFixed(1),
    };
    log(`max: ${JSON.stringify(result["max"])}`);
  }

  if (phases.has("latency")) {
    const seconds = Number(values["latency-seconds"]);
    const rates: [string, number][] =
      sustained > 0
        ? [
            ["50%", Math.round(sustained * 0.5)],
            ["80%", Math.round(sustained * 0.8)],
            ["15000", 15_000],
          ]
        : [["15000", 15_000]];
    const latency: Record<string, unknown> = {};
    for (const [name, rate] of rates) {
      const before = await scrape();
      const generated = await load(rate, seconds, Number(values.connections) * 2);
      const { rows } = await landed(120_000);
      const after = await scrape();
      const q = (p: number, nodeId: string) =>
        histogramQuantile(before, after, "sluice_stage_event_latency_seconds", { node: nodeId }, p);
      latency[name] = {
        offeredEventsPerSecond: rate,
        acceptedPerSecond: generated.acceptedPerSecond,
        responses429: generated.tooMany,
        notOffered: generated.notOffered,
        ...windowLatency(generated, rows),
        // Diagnostics from the runner's histogram: ingest → end of the first stage's / window stage's batch.
        firstStageP99Ms: q(0.99, "validate"),
        windowStageP99Ms: q(0.99, "win"),
        requestP99Ms: generated.requestP99Ms,
      };
      log(`latency ${name}: ${JSON.stringify(latency[name])}`);
    }
    result["latency"] = latency;
  }

  if (phases.has("overload") && sustained > 0) {
    const seconds = Number(values["overload-seconds"]);
    inOverload = true;
    const generated = await load(sustained * 5, seconds, Number(values.connections) * 4);
    inOverload = false;
    await landed(300_000);
    result["overload"] = {
      offeredEventsPerSecond: sustained * 5,
      acceptedPerSecond: generated.acceptedPerSecond,
      responses429: generated.tooMany,
      notOffered: generated.notOffered,
      errors: generated.errors,
      runnerMaxRssMiB: Math.round(peaks.overloadRssBytes / 2 ** 20),
      runnerMaxPssMiB: Math.round(peaks.overloadPssBytes / 2 ** 20),
    };
    log(`overload: ${JSON.stringify(result["overload"])}`);
  }
  clearInterval(sampler);
  // Every accepted event of every phase, window by window: checked after each phase; this is the final state.
  const final = await landed(60_000);
  const writes = [...final.rows.values()].map((r) => r.writes);
  result["sink"] = {
    check: { ok: final.check.ok, closedWindows: final.check.closed, exact: final.check.exact },
    windowRows: final.rows.size,
    countedEvents: [...final.rows.values()].reduce((sum, r) => sum + r.events, 0),
    emissionsPerWindow: +(writes.reduce((sum, w) => sum + w, 0) / Math.max(1, writes.length)).toFixed(2),
    maxEmissionsPerWindow: Math.max(0, ...writes),
  };
  result["runnerMaxRssMiB"] = Math.round(peaks.rssBytes / 2 ** 20);
  result["runnerMaxPssMiB"] = Math.round(peaks.pssBytes / 2 ** 20);
  result["runnerMaxHeapMiB"] = {
    used: Math.round(peaks.heapUsedBytes / 2 ** 20),
    total: Math.round(peaks.heapTotalBytes / 2 ** 20),
    external: Math.round(peaks.externalBytes / 2 ** 20),
  };
  // Every event the runner took in its life (warm-up included): the denominator of a whole-process CPU profile.
  result["totalIngested"] = counts(await scrape()).ingested;
  result["redisMaxUsedMemoryMiB"] = +(peaks.redisBytes / 2 ** 20).toFixed(1);
  result["redisUsedMemoryEndMiB"] = +((await redisMemory()) / 2 ** 20).toFixed(1);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await runner?.stop();
  await sinkDb.query(`DROP TABLE IF EXISTS ${table}; DROP FUNCTION IF EXISTS ${table}_stamp()`).catch(() => undefined);
  await closeSinkTable(sinkDb, table);
  await world.close();
}
