// One run of the benchmark pipeline on the local services, with the runner and the load
// generator each in a process of its own:
//   HTTP ingest (batches of 100) -> validate -> filter -> map -> key-by user -> [topic]
//     -> 10 s tumbling counts per event type -> Postgres upsert
// Phases: warm-up; max (closed loop, backpressure bounds the lag); open-loop latency at 50% and 80%
// of that max and at 15,000 events/s; 5x overload. Prints one JSON line (scripts/bench.ts takes medians).
//
// Latency (defined here, documented in BENCHMARKS.md): for every 8th event, from ingest stamping
// `receivedAt` to the end of the window stage's batch that counted it (its outputs acknowledged, the
// windows it fired upserted into Postgres, its state checkpointed): histogram
// sluice_stage_event_latency_seconds{node="win"}. The wait for a window to close is not in it.
//
//   node --import tsx apps/runner/bench/pipeline-bench.ts [--port 4205] [--max-seconds 20]
//     [--latency-seconds 12] [--overload-seconds 30] [--connections 8] [--profile-dir DIR] [--phases max,latency,overload]
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { closeSinkTable, createApiKey, createPipeline, createSecret, createWorld, deploy, openSinkTable, waitRunning } from "../test/engine-world";
import { graph } from "../test/graphs";
import { testServices, uniqueName } from "../test/services";
import { histogramQuantile, parseMetrics, type Scrape } from "./metrics-text";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4205" },
    "max-seconds": { type: "string", default: "20" },
    "latency-seconds": { type: "string", default: "12" },
    "overload-seconds": { type: "string", default: "30" },
    connections: { type: "string", default: "8" },
    "profile-dir": { type: "string" },
    phases: { type: "string", default: "max,latency,overload" },
    /** V8 flags for the runner process only, e.g. "--max-old-space-size=256". */
    "runner-node-flags": { type: "string", default: "" },
  },
});
const port = Number(values.port);
const phases = new Set(values.phases.split(","));
const root = join(import.meta.dirname, "..", "..", "..");
const node = process.execPath;
const log = (line: string) => process.stderr.write(`[pipeline-bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const world = await createWorld();
const table = uniqueName("bench_counts").replace(/-/g, "_");
const sinkDb = await openSinkTable(table, "window_id text PRIMARY KEY, event_type text, events bigint, revision int");
let runner: ChildProcess | undefined;
try {
  const pipeline = await createPipeline(world, "bench");
  const key = await createApiKey(world);
  const secretId = await createSecret(world, testServices.databaseUrl);
  const pathKey = uniqueName("bench").toLowerCase();

  const runnerFlags = values["runner-node-flags"].split(" ").filter((f) => f !== "");
  runner = spawn(node, [...runnerFlags, ...(values["profile-dir"] ? ["--cpu-prof", `--cpu-prof-dir=${values["profile-dir"]}`] : []), "--import", "tsx", join(root, "apps/runner/src/main.ts")], {
    cwd: root,
    env: {
      ...process.env,
      RUNNER_PORT: String(port),
      RUNNER_HOST: "127.0.0.1",
      // /metrics is on the internal listener.
      RUNNER_INTERNAL_PORT: String(port + 100),
      RUNNER_ID: uniqueName("bench-runner"),
      RUNNER_WORKSPACE_IDS: world.workspaceId,
      SLUICE_SECRET_KEY: world.secretKey,
      LOG_LEVEL: process.env["BENCH_RUNNER_LOG_LEVEL"] ?? "warn",
      DATABASE_URL: testServices.databaseUrl,
      REDIS_URL: testServices.redisUrl,
      KAFKA_BROKERS: testServices.kafkaBrokers,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const internal = `http://127.0.0.1:${port + 100}`;
  const scrape = async (): Promise<Scrape> => parseMetrics(await (await fetch(`${internal}/metrics`)).text());
  for (let i = 0; ; i++) {
    if (runner.exitCode !== null) throw new Error(`runner exited with ${runner.exitCode}`);
    if (await fetch(`${internal}/metrics`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error("runner did not start");
    await sleep(200);
  }

  const { deploymentId } = await deploy(
    world,
    pipeline.id,
    graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id, maxBatch: 500 } },
        { id: "validate", type: "validate" },
        { id: "filter", type: "filter", config: { condition: 'event.type != "signup"' } },
        { id: "map", type: "map", config: { assignments: [{ target: "props.cents", expression: "int(event.props.amount * 100.0)" }] } },
        { id: "bykey", type: "key-by", config: { key: "event.userId" } },
        {
          id: "win",
          type: "window",
          config: { kind: "tumbling", size: "10s", watermarkDelay: "1s", allowedLateness: "10s", groupBy: [{ name: "eventType", expression: "event.type" }], aggregations: [{ name: "events", function: "count" }] },
        },
        {
          id: "sink",
          type: "postgres-sink",
          config: {
            connectionSecretId: secretId,
            table,
            mode: "upsert",
            keyColumns: ["window_id"],
            columns: [
              { column: "window_id", expression: "event.windowId" },
              { column: "event_type", expression: "event.eventType" },
              { column: "events", expression: "event.events" },
              { column: "revision", expression: "event.revision" },
            ],
          },
        },
      ],
      [["ingest", "validate"], ["validate", "filter"], ["filter", "map"], ["map", "bykey"], ["bykey", "win"], ["win", "sink"]],
    ),
  );
  await waitRunning(world, deploymentId, 60_000);
  log(`deployed ${deploymentId}; runner on ${base}`);

  // Runner RSS and Redis memory, sampled every second for the whole run (a scrape costs the runner CPU too).
  const peaks = { rssBytes: 0, redisBytes: 0, overloadRssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0 };
  let inOverload = false;
  const redisMemory = async () => Number(/used_memory:(\d+)/.exec(await world.redis.info("memory"))?.[1] ?? 0);
  const sampler = setInterval(() => {
    void scrape().then((m) => {
      const rss = m.value("process_resident_memory_bytes");
      peaks.rssBytes = Math.max(peaks.rssBytes, rss);
      peaks.heapUsedBytes = Math.max(peaks.heapUsedBytes, m.value("nodejs_heap_size_used_bytes"));
      peaks.heapTotalBytes = Math.max(peaks.heapTotalBytes, m.value("nodejs_heap_size_total_bytes"));
      peaks.externalBytes = Math.max(peaks.externalBytes, m.value("nodejs_external_memory_bytes"));
      if (inOverload) peaks.overloadRssBytes = Math.max(peaks.overloadRssBytes, rss);
    }, () => undefined);
    void redisMemory().then((b) => (peaks.redisBytes = Math.max(peaks.redisBytes, b)), () => undefined);
  }, 1000);

  type LoadResult = { accepted: number; rejected: number; tooMany: number; errors: number; notOffered: number; seconds: number; acceptedPerSecond: number; requestP50Ms: number | null; requestP99Ms: number | null; avgEventBytes: number };
  let runIndex = 0;
  const load = (rate: number, seconds: number, connections: number) =>
    new Promise<LoadResult>((resolve, reject) => {
      const p = spawn(node, ["--import", "tsx", join(root, "apps/runner/bench/load-generator.ts"), "--url", `${base}/v1/ingest/${pathKey}`, "--key", key.token, "--rate", String(rate), "--seconds", String(seconds), "--connections", String(connections), "--prefix", `r${runIndex++}`], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      p.stdout.on("data", (c: Buffer) => (out += c.toString()));
      p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
    });

  const counts = (m: Scrape) => ({
    ingested: m.value("sluice_node_events_out_total", { node: "ingest" }),
    filtered: m.value("sluice_node_events_out_total", { node: "filter" }),
    windowIn: m.value("sluice_node_events_in_total", { node: "win" }),
    cpuSeconds: m.value("process_cpu_user_seconds_total") + m.value("process_cpu_system_seconds_total"),
  });
  /** Waits until the window stage has taken every event that passed the filter. */
  const drained = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await scrape();
      const c = counts(m);
      if (c.windowIn >= c.filtered && c.filtered > 0) return { at: performance.now(), scrape: m };
      if (Date.now() > deadline) throw new Error(`pipeline did not drain: window has ${c.windowIn} of ${c.filtered}`);
      await sleep(100);
    }
  };

  const result: Record<string, unknown> = { pipeline: "ingest(100/request) -> validate -> filter -> map -> key-by user -> 10s tumbling count per type -> postgres upsert" };
  log("warm-up");
  await load(0, 4, Number(values.connections));
  await drained(120_000);

  let sustained = 0;
  if (phases.has("max")) {
    const seconds = Number(values["max-seconds"]);
    const before = await scrape();
    const started = performance.now();
    const generated = await load(0, seconds, Number(values.connections));
    const end = await drained(180_000);
    const b = counts(before);
    const a = counts(end.scrape);
    const events = a.ingested - b.ingested;
    const elapsed = (end.at - started) / 1000;
    sustained = Math.round(events / elapsed);
    result["max"] = {
      eventsPerSecond: sustained,
      events,
      seconds: +elapsed.toFixed(2),
      ingestAcceptedPerSecond: generated.acceptedPerSecond,
      responses429: generated.tooMany,
      errors: generated.errors,
      runnerCpuMicrosPerEvent: +(((a.cpuSeconds - b.cpuSeconds) * 1e6) / events).toFixed(1),
      requestP50Ms: generated.requestP50Ms,
      requestP99Ms: generated.requestP99Ms,
      avgEventBytes: generated.avgEventBytes,
      // Events per BullMQ job (batch), per stage: the lever for per-job overhead.
      avgBatchFirstStage: +((end.scrape.value("sluice_node_events_in_total", { node: "validate" }) - before.value("sluice_node_events_in_total", { node: "validate" })) / Math.max(1, end.scrape.value("sluice_node_batch_seconds_count", { node: "validate" }) - before.value("sluice_node_batch_seconds_count", { node: "validate" }))).toFixed(1),
      avgBatchWindowStage: +((a.windowIn - b.windowIn) / Math.max(1, end.scrape.value("sluice_node_batch_seconds_count", { node: "win" }) - before.value("sluice_node_batch_seconds_count", { node: "win" }))).toFixed(1),
    };
    log(`max: ${JSON.stringify(result["max"])}`);
  }

  if (phases.has("latency")) {
    const seconds = Number(values["latency-seconds"]);
    const rates: [string, number][] = sustained > 0 ? [["50%", Math.round(sustained * 0.5)], ["80%", Math.round(sustained * 0.8)], ["15000", 15_000]] : [["15000", 15_000]];
    const latency: Record<string, unknown> = {};
    for (const [name, rate] of rates) {
      const before = await scrape();
      const generated = await load(rate, seconds, Number(values.connections) * 2);
      await drained(120_000);
      const after = await scrape();
      const q = (p: number, nodeId: string) => histogramQuantile(before, after, "sluice_stage_event_latency_seconds", { node: nodeId }, p);
      latency[name] = {
        offeredEventsPerSecond: rate,
        acceptedPerSecond: generated.acceptedPerSecond,
        responses429: generated.tooMany,
        notOffered: generated.notOffered,
        p50Ms: q(0.5, "win"),
        p99Ms: q(0.99, "win"),
        firstStageP50Ms: q(0.5, "validate"),
        firstStageP99Ms: q(0.99, "validate"),
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
    await drained(300_000);
    result["overload"] = {
      offeredEventsPerSecond: sustained * 5,
      acceptedPerSecond: generated.acceptedPerSecond,
      responses429: generated.tooMany,
      notOffered: generated.notOffered,
      errors: generated.errors,
      runnerMaxRssMiB: Math.round(peaks.overloadRssBytes / 2 ** 20),
    };
    log(`overload: ${JSON.stringify(result["overload"])}`);
  }
  clearInterval(sampler);
  const windows = await sinkDb.query<{ n: string; total: string }>(`SELECT count(*) AS n, coalesce(sum(events), 0) AS total FROM ${table}`);
  result["sink"] = { windowRows: Number(windows.rows[0]?.n ?? 0), countedEvents: Number(windows.rows[0]?.total ?? 0) };
  result["runnerMaxRssMiB"] = Math.round(peaks.rssBytes / 2 ** 20);
  result["runnerMaxHeapMiB"] = { used: Math.round(peaks.heapUsedBytes / 2 ** 20), total: Math.round(peaks.heapTotalBytes / 2 ** 20), external: Math.round(peaks.externalBytes / 2 ** 20) };
  // Every event the runner took in its life (warm-up included): the denominator of a whole-process CPU profile.
  result["totalIngested"] = counts(await scrape()).ingested;
  result["redisMaxUsedMemoryMiB"] = +(peaks.redisBytes / 2 ** 20).toFixed(1);
  result["redisUsedMemoryEndMiB"] = +((await redisMemory()) / 2 ** 20).toFixed(1);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  if (runner && runner.exitCode === null) {
    const exited = new Promise((r) => runner!.once("exit", r));
    runner.kill("SIGTERM");
    await Promise.race([exited, sleep(25_000)]);
    if (runner.exitCode === null) runner.kill("SIGKILL");
  }
  await closeSinkTable(sinkDb, table);
  await world.close();
}
