// `npm run bench`: measured figures on this machine, never asserted in tests. Brings up the same
// services as `npm start` plus a private Redis (so its memory and CPU are the pipeline's alone), uses
// a scratch database, runs each benchmark 3 times and reports medians. Writes
// bench/results/latest.json and ends with the one-line summary BENCHMARKS.md quotes.
//   BENCH_RUNS=3 BENCH_EVENTS=100000 BENCH_RUNNER_PORT=4205 BENCH_REDIS_PORT=6391 npm run bench
// (the runner's /metrics, which the bench reads, is on its internal port BENCH_RUNNER_PORT + 100)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { localSecrets, serviceUrls } from "./lib/config";
import { recreateDatabase } from "./lib/database";
import { canConnect, waitFor } from "./lib/net";
import { repoRoot } from "./lib/paths";
import { node22, RUNNER_HEAP_FLAG, startManaged, type Managed } from "./lib/procs";
import { ensureServices } from "./lib/services";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);
const EVENTS = Number(process.env["BENCH_EVENTS"] ?? 100_000);
const RUNNER_PORT = process.env["BENCH_RUNNER_PORT"] ?? "4205";
const REDIS_PORT = Number(process.env["BENCH_REDIS_PORT"] ?? 6391);
/**
 * The runner's V8 heap cap, as a deployment sets it (NODE_OPTIONS): without one V8 lets the heap grow
 * far past the live set (~100 MiB under load) before collecting, and RSS follows.
 */
// The runner runs as `npm start` runs it (same heap cap) unless BENCH_RUNNER_NODE_FLAGS says otherwise.
const RUNNER_NODE_FLAGS = process.env["BENCH_RUNNER_NODE_FLAGS"] ?? RUNNER_HEAP_FLAG;
const log = (line: string) => console.log(`[bench] ${line}`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const medianOf = <T>(runs: T[], pick: (r: T) => number | null | undefined) => {
  const xs = runs.map(pick).filter((x): x is number => typeof x === "number");
  return xs.length === 0 ? null : +median(xs).toFixed(1);
};

/** Runs a TS benchmark script and returns its last stdout line parsed as JSON. */
function runJson<T>(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(node22, ["--import", "tsx", join(repoRoot, script), ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("exit", (code) => {
      const last = out.trim().split("\n").filter((l) => l.startsWith("{")).at(-1);
      if (code !== 0 || !last) return reject(new Error(`${script} failed (exit ${code})`));
      resolve(JSON.parse(last) as T);
    });
  });
}

/** A Redis of the benchmark's own when redis-server is installed; otherwise the shared one. */
async function privateRedis(fallback: string): Promise<{ url: string; managed?: Managed }> {
  if (spawnSync("redis-server", ["--version"]).status !== 0 || (await canConnect("127.0.0.1", REDIS_PORT))) return { url: fallback };
  const managed = startManaged("redis", "redis-server", ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], process.env);
  await waitFor("bench redis", () => canConnect("127.0.0.1", REDIS_PORT), 10_000);
  return { url: `redis://127.0.0.1:${REDIS_PORT}/0`, managed };
}

const urls = serviceUrls({ database: "postgresql://root@127.0.0.1:5432/sluice_bench", redis: "redis://127.0.0.1:6379/2" });
const services = await ensureServices(urls);
const redis = await privateRedis(urls.redisUrl);
const profileDir = mkdtempSync(join(tmpdir(), "sluice-bench-prof-"));
try {
  await recreateDatabase(urls.databaseUrl);
  const env = { ...process.env, ...localSecrets(), DATABASE_URL: urls.databaseUrl, REDIS_URL: redis.url, KAFKA_BROKERS: urls.kafkaBrokers, TEST_LOG_LEVEL: "silent" };

  type Latency = { offeredEventsPerSecond: number; acceptedPerSecond: number; p50Ms: number | null; p99Ms: number | null; responses429: number };
  type PipelineRun = {
    max: { eventsPerSecond: number; runnerCpuMicrosPerEvent: number; avgBatchFirstStage: number; avgBatchWindowStage: number; avgEventBytes: number };
    latency: Record<"50%" | "80%" | "15000", Latency>;
    overload: { offeredEventsPerSecond: number; acceptedPerSecond: number; responses429: number; runnerMaxRssMiB: number };
    runnerMaxRssMiB: number;
    redisMaxUsedMemoryMiB: number;
    totalIngested: number;
  };
  const runs: PipelineRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await runJson<PipelineRun>("apps/runner/bench/pipeline-bench.ts", ["--port", RUNNER_PORT, `--runner-node-flags=${RUNNER_NODE_FLAGS}`], env);
    log(`pipeline run ${i + 1}: ${r.max.eventsPerSecond} events/s, ${r.max.runnerCpuMicrosPerEvent} µs runner CPU/event, p99 ${r.latency["15000"].p99Ms} ms at 15000/s, overload RSS ${r.overload.runnerMaxRssMiB} MiB`);
    runs.push(r);
  }

  // Where the runner's CPU goes: one more (shorter) run under the profiler, split into hops.
  log("profiled run (per-hop CPU)");
  const profiled = await runJson<PipelineRun>("apps/runner/bench/pipeline-bench.ts", ["--port", RUNNER_PORT, `--runner-node-flags=${RUNNER_NODE_FLAGS}`, "--phases", "max", "--max-seconds", "15", "--profile-dir", profileDir], env);
  const profile = readdirSync(profileDir)
    .map((f) => join(profileDir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const hops = profile ? await runJson<{ busyMs: number; hops: { hop: string; ms: number; share: number; microsPerEvent?: number }[] }>("apps/runner/bench/cpu-hops.ts", [profile, "--json", "--events", String(profiled.totalIngested)], env) : null;

  log("BullMQ overhead");
  type QueueRun = { overheadMicrosPerEvent: { inProcess: number; crossProcess: number } };
  const queue: QueueRun[] = [];
  for (let i = 0; i < RUNS; i++) queue.push(await runJson<QueueRun>("apps/runner/bench/queue-overhead.ts", [], env));

  // The broker's own limit with the same client: produce then consume the same number of 300-byte
  // events, no processing. One event through this pipeline costs two of each (ingest and key-by topics).
  log("broker limit");
  type ClientRuns = { results: { produceMs: number; consumeMs: number; produceCpuUs: number; consumeCpuUs: number }[] };
  const raw = await runJson<ClientRuns>("packages/kafka/bench/kafka-client.ts", ["--clients", "platformatic", "--runs", String(RUNS), "--messages", String(EVENTS)], env);
  const brokerLimit = Math.round(median(raw.results.map((r) => EVENTS / ((r.produceMs + r.consumeMs) / 1000))));

  const db = new pg.Client({ connectionString: urls.databaseUrl });
  await db.connect();
  const postgresVersion = (await db.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version;
  await db.end();
  const redisVersion = /redis_version:(\S+)/.exec(spawnSync("redis-cli", ["-u", redis.url, "INFO", "server"]).stdout?.toString() ?? "")?.[1];

  const sustained = Math.round(median(runs.map((r) => r.max.eventsPerSecond)));
  const p99At15k = medianOf(runs, (r) => r.latency["15000"].p99Ms);
  const latencyAt = (name: "50%" | "80%" | "15000") => ({
    offeredEventsPerSecond: medianOf(runs, (r) => r.latency[name].offeredEventsPerSecond),
    acceptedPerSecond: medianOf(runs, (r) => r.latency[name].acceptedPerSecond),
    p50Ms: medianOf(runs, (r) => r.latency[name].p50Ms),
    p99Ms: medianOf(runs, (r) => r.latency[name].p99Ms),
  });
  const result = {
    at: new Date().toISOString(),
    command: "npm run bench",
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kafka: "4.4.0 (scripts/kafka/pom.xml)", redis: redisVersion ?? "unknown", postgres: postgresVersion ?? "unknown", privateRedis: Boolean(redis.managed) },
    workload: "load generator process (8 keep-alive connections, 100 events/request, ~300-byte events) -> runner process: HTTP ingest -> validate -> filter -> map -> key-by user -> [topic] -> 10 s tumbling count per type -> Postgres upsert",
    latencyDefinition: "ingest receivedAt -> end of the window stage's batch that counted the event (outputs acknowledged, fired windows upserted, state checkpointed); every 8th event; window wait excluded",
    runs: RUNS,
    runnerNodeFlags: RUNNER_NODE_FLAGS,
    pipeline: {
      sustainedEventsPerSecondMedian: sustained,
      runnerCpuMicrosPerEventMedian: medianOf(runs, (r) => r.max.runnerCpuMicrosPerEvent),
      avgBatchFirstStage: medianOf(runs, (r) => r.max.avgBatchFirstStage),
      avgBatchWindowStage: medianOf(runs, (r) => r.max.avgBatchWindowStage),
      latency: { "50%": latencyAt("50%"), "80%": latencyAt("80%"), "15000": latencyAt("15000") },
      runnerMaxRssMiBMedian: medianOf(runs, (r) => r.runnerMaxRssMiB),
      overload: {
        offeredEventsPerSecond: medianOf(runs, (r) => r.overload.offeredEventsPerSecond),
        acceptedPerSecond: medianOf(runs, (r) => r.overload.acceptedPerSecond),
        responses429: medianOf(runs, (r) => r.overload.responses429),
        runnerMaxRssMiB: medianOf(runs, (r) => r.overload.runnerMaxRssMiB),
      },
      redisMaxUsedMemoryMiBMedian: medianOf(runs, (r) => r.redisMaxUsedMemoryMiB),
      runs,
    },
    cpuByHop: hops ? { ...hops, events: profiled.totalIngested, note: "one profiled run (warm-up + 15 s at max); whole runner process; µs/event include profiler overhead" } : null,
    bullmqOverheadMicrosPerEvent: {
      inProcessMedian: medianOf(queue, (q) => q.overheadMicrosPerEvent.inProcess),
      crossProcessMedian: medianOf(queue, (q) => q.overheadMicrosPerEvent.crossProcess),
      runs: queue,
    },
    broker: {
      produceThenConsumeEventsPerSecondMedian: brokerLimit,
      produceCpuMicrosPerEventMedian: medianOf(raw.results, (r) => r.produceCpuUs / EVENTS),
      consumeCpuMicrosPerEventMedian: medianOf(raw.results, (r) => r.consumeCpuUs / EVENTS),
      runs: raw.results,
    },
    ratioOfBrokerLimit: +(sustained / brokerLimit).toFixed(2),
  };
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(join(repoRoot, "bench", "results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`bench: ${sustained} events/s sustained; p99 ${p99At15k ?? "n/a"} ms at 15000 events/s; ${result.ratioOfBrokerLimit}x of broker limit`);
} finally {
  rmSync(profileDir, { recursive: true, force: true });
  await redis.managed?.stop();
  await services.stop();
}
