// `npm run bench`: measured figures on this machine, never asserted in tests (but every run checks its
// own results: window counts in the sink must equal the generator's, or the run fails). Brings up the
// same services as `npm start` plus a private Redis (so its memory and CPU are the pipeline's alone),
// uses a scratch database, runs each scenario 3 times and reports medians. Scenarios: `pipeline`
// (HTTP ingest → Postgres, apps/runner/bench/pipeline-bench.ts) and `catchup` (pre-filled topic →
// kafka-sink, apps/runner/bench/catchup-bench.ts) by default, and `views` (GET /v1/views under load,
// apps/runner/bench/views-bench.ts) when asked for. Each writes
// bench/results/<time>-<scenario>.json (committed, one per run) and, at full size, bench/results/latest-<scenario>.json,
// and the output ends with the summary lines BENCHMARKS.md quotes:
//   bench: <N> events/s sustained; p99 <M> ms at 15000 events/s; <R>x of broker limit
//   bench-catchup: <N> events/s; <C> µs CPU/event machine-wide; <E> emissions/window
//   bench-views: p99 <P> ms at 200 requests/s (<S> ms from send); <M> requests/s max (p99 <Q> ms); <K> answers checked, 0 wrong
//
//   npm run bench [-- pipeline|catchup|views ...]
//   BENCH_RUNS=3 BENCH_EVENTS=100000 BENCH_RUNNER_PORT=4205 BENCH_REDIS_PORT=6391 npm run bench
// Smaller runs for development (the artifact then says `"reducedSize": true`):
//   BENCH_RUNS=1 BENCH_CATCHUP_EVENTS=50000 BENCH_MAX_SECONDS=6 BENCH_LATENCY_SECONDS=12
//   BENCH_OVERLOAD_SECONDS=10 BENCH_EXTRAS=0 (no profiled run, BullMQ overhead or broker limit)
//   BENCH_VIEWS_SECONDS=15 (each open-loop rate and the closed loop of the views scenario)
//   BENCH_PRIVATE_REDIS=0 (use REDIS_URL instead of a private redis-server) BENCH_LABEL="why this run"
// The runner runs as `npm start` runs it: RUNNER_PROCESSES engine processes (default auto: one per core; set
// BENCH_RUNNER_PROCESSES to compare), their CPU summed (the runner's process tree, /proc).
// (the runner's /metrics, which the bench reads, is on its internal port BENCH_RUNNER_PORT + 100)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { localSecrets, serviceUrls } from "./lib/config";
import { recreateDatabase } from "./lib/database";
import { canConnect, waitFor } from "./lib/net";
import { repoRoot } from "./lib/paths";
import {
  node22,
  RUNNER_ENV,
  RUNNER_NODE_FLAGS as RUNNER_DEFAULT_NODE_FLAGS,
  startManaged,
  type Managed,
} from "./lib/procs";
import { ensureServices } from "./lib/services";

const SCENARIOS = ["pipeline", "catchup", "views"] as const;
const DEFAULT_SCENARIOS: Scenario[] = ["pipeline", "catchup"];
type Scenario = (typeof SCENARIOS)[number];
const asked = process.argv.slice(2);
for (const a of asked)
  if (!(SCENARIOS as readonly string[]).includes(a))
    throw new Error(`unknown scenario "${a}" (expected ${SCENARIOS.join(", ")})`);
const scenarios = new Set<Scenario>(asked.length > 0 ? (asked as Scenario[]) : DEFAULT_SCENARIOS);

/** Sizes, each with its full-run default; a run with any of them changed is marked reducedSize. */
const SIZES = {
  runs: ["BENCH_RUNS", 3],
  brokerLimitEvents: ["BENCH_EVENTS", 100_000],
  maxSeconds: ["BENCH_MAX_SECONDS", 20],
  latencySeconds: ["BENCH_LATENCY_SECONDS", 30],
  overloadSeconds: ["BENCH_OVERLOAD_SECONDS", 30],
  extras: ["BENCH_EXTRAS", 1],
  /** One uncounted max-throughput run first: a broker started minutes ago runs on a cold JVM. 0: none. */
  warmUpSeconds: ["BENCH_WARMUP_SECONDS", 20],
  catchupEvents: ["BENCH_CATCHUP_EVENTS", 1_000_000],
  viewsSeconds: ["BENCH_VIEWS_SECONDS", 15],
} as const;
const size = (name: keyof typeof SIZES) => Number(process.env[SIZES[name][0]] ?? SIZES[name][1]);
const sizes = Object.fromEntries(Object.keys(SIZES).map((k) => [k, size(k as keyof typeof SIZES)]));
const reducedSize = Object.entries(SIZES).some(([k, [, full]]) => sizes[k] !== full);
const RUNS = size("runs");
const EVENTS = size("brokerLimitEvents");
const RUNNER_PORT = process.env["BENCH_RUNNER_PORT"] ?? "4205";
const REDIS_PORT = Number(process.env["BENCH_REDIS_PORT"] ?? 6391);
/** The runner's V8 flags: as `npm start` runs it (scripts/lib/procs.ts) unless BENCH_RUNNER_NODE_FLAGS says otherwise. */
const RUNNER_NODE_FLAGS = process.env["BENCH_RUNNER_NODE_FLAGS"] ?? RUNNER_DEFAULT_NODE_FLAGS.join(" ");
/** The runner's RUNNER_PROCESSES; unset: the runner's default. */
const RUNNER_PROCESSES = process.env["BENCH_RUNNER_PROCESSES"] ?? process.env["RUNNER_PROCESSES"];
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
    const p = spawn(node22, ["--import", "tsx", join(repoRoot, script), ...args], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("exit", (code) => {
      const last = out
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .at(-1);
      if (code !== 0 || !last) return reject(new Error(`${script} failed (exit ${code})`));
      resolve(JSON.parse(last) as T);
    });
  });
}

/** A Redis of the benchmark's own when redis-server is installed; otherwise the shared one. */
async function privateRedis(fallback: string): Promise<{ url: string; managed?: Managed }> {
  if (process.env["BENCH_PRIVATE_REDIS"] === "0") return { url: fallback };
  if (spawnSync("redis-server", ["--version"]).status !== 0 || (await canConnect("127.0.0.1", REDIS_PORT)))
    return { url: fallback };
  const managed = startManaged(
    "redis",
    "redis-server",
    ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    process.env,
  );
  await waitFor("bench redis", () => canConnect("127.0.0.1", REDIS_PORT), 10_000);
  return { url: `redis://127.0.0.1:${REDIS_PORT}/0`, managed };
}

const urls = serviceUrls({
  database: "postgresql://root@127.0.0.1:5432/sluice_bench",
  redis: "redis://127.0.0.1:6379/2",
});
/** The runner's CPU split into hops (apps/runner/bench/cpu-hops.ts) from the largest profile in `dir`. */
async function hopsOf(dir: string, events: number | undefined, env: NodeJS.ProcessEnv) {
  const profiles = readdirSync(dir)
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  // With several engine processes each writes a profile (the supervisor's is the smallest): the largest is split.
  const profile = profiles[0];
  const hops =
    profile && events
      ? await runJson<{
          busyMs: number;
          hops: { hop: string; ms: number; share: number; microsPerEvent?: number }[];
        }>("apps/runner/bench/cpu-hops.ts", [profile, "--json", "--events", String(events)], env)
      : null;
  return { hops, profiles };
}

const services = await ensureServices(urls);
const redis = await privateRedis(urls.redisUrl);
const profileDir = mkdtempSync(join(tmpdir(), "sluice-bench-prof-"));
const summaries: string[] = [];
try {
  await recreateDatabase(urls.databaseUrl);
  const env = {
    ...process.env,
    ...localSecrets(),
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: redis.url,
    KAFKA_BROKERS: urls.kafkaBrokers,
    TEST_LOG_LEVEL: "silent",
    // The runner runs as `npm start` runs it (its children, the load generator included, inherit this).
    ...RUNNER_ENV,
    ...(RUNNER_PROCESSES ? { RUNNER_PROCESSES } : {}),
  };

  const db = new pg.Client({ connectionString: urls.databaseUrl });
  await db.connect();
  const postgresVersion = (await db.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version;
  await db.end();
  const redisVersion = /redis_version:(\S+)/.exec(
    spawnSync("redis-cli", ["-u", redis.url, "INFO", "server"]).stdout?.toString() ?? "",
  )?.[1];
  const commit =
    spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot }).stdout?.toString().trim() || "unknown";
  const dirty =
    (spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot }).stdout?.toString().trim() ??
      "") !== "";
  /** What every artifact says about the run: where, on what code, at which sizes, how busy the machine was. */
  const context = (startedAt: Date, loadBefore: number[]) => ({
    at: startedAt.toISOString(),
    command: `npm run bench${asked.length > 0 ? ` -- ${asked.join(" ")}` : ""}`,
    label: process.env["BENCH_LABEL"] ?? null,
    code: { commit, uncommittedChanges: dirty },
    runnerProcessesSetting: RUNNER_PROCESSES ?? "default (auto)",
    sizes,
    reducedSize,
    loadAverage1m: { before: +loadBefore[0]!.toFixed(2), after: +loadavg()[0]!.toFixed(2) },
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      kafka: "4.4.0 (scripts/kafka/pom.xml)",
      redis: redisVersion ?? "unknown",
      postgres: postgresVersion ?? "unknown",
      privateRedis: Boolean(redis.managed),
    },
  });
  /** One committed artifact per run of a scenario, plus latest-<scenario>.json for full-size runs only. */
  const keep = (scenario: Scenario, startedAt: Date, result: object) => {
    const dir = join(repoRoot, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const text = `${JSON.stringify(result, null, 2)}\n`;
    const file = join(dir, `${startedAt.toISOString().slice(0, 16).replace(":", "-")}-${scenario}.json`);
    writeFileSync(file, text);
    if (!reducedSize) writeFileSync(join(dir, `latest-${scenario}.json`), text);
    log(
      `${scenario}: wrote ${file}${reducedSize ? " (reduced sizes: latest-" + scenario + ".json left as it was)" : ""}`,
    );
  };

  if (scenarios.has("pipeline")) {
    const startedAt = new Date();
    const loadBefore = loadavg();
    type Latency = {
      offeredEventsPerSecond: number;
      acceptedPerSecond: number;
      p50Ms: number | null;
      p99Ms: number | null;
      maxMs: number | null;
      windows: number;
      responses429: number;
    };
    type PipelineRun = {
      max: {
        eventsPerSecond: number;
        runnerCpuMicrosPerEvent: number;
        cpuMicrosPerEvent: { machine: number; broker: number | null; redis: number | null };
        avgBatchFirstStage: number;
        avgBatchWindowStage: number;
        avgEventBytes: number;
      };
      latency: Record<"50%" | "80%" | "15000", Latency>;
      overload: {
        offeredEventsPerSecond: number;
        acceptedPerSecond: number;
        responses429: number;
        runnerMaxRssMiB: number;
        runnerMaxPssMiB: number;
      };
      runnerMaxRssMiB: number;
      runnerMaxPssMiB: number;
      redisMaxUsedMemoryMiB: number;
      totalIngested: number;
      sink: {
        check: { ok: boolean; closedWindows: number; exact: number };
        emissionsPerWindow: number;
        maxEmissionsPerWindow: number;
      };
    };
    const runs: PipelineRun[] = [];
    const phaseArgs = [
      "--max-seconds",
      String(size("maxSeconds")),
      "--latency-seconds",
      String(size("latencySeconds")),
      "--overload-seconds",
      String(size("overloadSeconds")),
    ];
    /** One run of the max phase alone (the warm-up; the profiled run). */
    const maxPhaseOnly = <T>(seconds: number, extra: string[] = []) =>
      runJson<T>(
        "apps/runner/bench/pipeline-bench.ts",
        [
          "--port",
          RUNNER_PORT,
          `--runner-node-flags=${RUNNER_NODE_FLAGS}`,
          "--phases",
          "max",
          "--max-seconds",
          String(seconds),
          ...extra,
        ],
        env,
      );
    // The broker's JIT and page cache warm up over its first minute or two: a first run right after it
    // started landed about two thirds of the later runs' events (BENCHMARKS.md). Not counted; kept.
    const warmUp =
      size("warmUpSeconds") > 0 ? await maxPhaseOnly<Pick<PipelineRun, "max">>(size("warmUpSeconds")) : null;
    if (warmUp) log(`pipeline warm-up (not counted): ${warmUp.max.eventsPerSecond} events/s`);
    for (let i = 0; i < RUNS; i++) {
      const r = await runJson<PipelineRun>(
        "apps/runner/bench/pipeline-bench.ts",
        ["--port", RUNNER_PORT, `--runner-node-flags=${RUNNER_NODE_FLAGS}`, ...phaseArgs],
        env,
      );
      log(
        `pipeline run ${i + 1}: ${r.max.eventsPerSecond} events/s, ${r.max.runnerCpuMicrosPerEvent} µs runner CPU/event, p99 ${r.latency["15000"].p99Ms} ms at 15000/s, overload RSS ${r.overload.runnerMaxRssMiB} MiB (PSS ${r.overload.runnerMaxPssMiB} MiB)`,
      );
      runs.push(r);
    }

    const extras = size("extras") !== 0;
    // Where the runner's CPU goes: one more (shorter) run under the profiler, split into hops.
    if (extras) log("profiled run (per-hop CPU)");
    const profiled = !extras ? null : await maxPhaseOnly<PipelineRun>(15, ["--profile-dir", profileDir]);
    const { hops, profiles } = await hopsOf(profileDir, profiled?.totalIngested, env);

    type QueueRun = { overheadMicrosPerEvent: { localPath: number; inProcess: number; crossProcess: number } };
    const queue: QueueRun[] = [];
    if (extras) log("BullMQ overhead");
    for (let i = 0; extras && i < RUNS; i++)
      queue.push(await runJson<QueueRun>("apps/runner/bench/queue-overhead.ts", [], env));

    // The broker's own limit with the same client: produce then consume the same number of 300-byte
    // events, no processing. One event through this pipeline costs two of each (ingest and key-by topics).
    type ClientRuns = {
      results: { produceMs: number; consumeMs: number; produceCpuUs: number; consumeCpuUs: number }[];
    };
    if (extras) log("broker limit");
    const raw = extras
      ? await runJson<ClientRuns>(
          "packages/kafka/bench/kafka-client.ts",
          ["--clients", "platformatic", "--runs", String(RUNS), "--messages", String(EVENTS)],
          env,
        )
      : { results: [] };
    const brokerLimit =
      raw.results.length > 0
        ? Math.round(median(raw.results.map((r) => EVENTS / ((r.produceMs + r.consumeMs) / 1000))))
        : null;

    const sustained = Math.round(median(runs.map((r) => r.max.eventsPerSecond)));
    const p99At15k = medianOf(runs, (r) => r.latency["15000"].p99Ms);
    const latencyAt = (name: "50%" | "80%" | "15000") => ({
      offeredEventsPerSecond: medianOf(runs, (r) => r.latency[name].offeredEventsPerSecond),
      acceptedPerSecond: medianOf(runs, (r) => r.latency[name].acceptedPerSecond),
      p50Ms: medianOf(runs, (r) => r.latency[name].p50Ms),
      p99Ms: medianOf(runs, (r) => r.latency[name].p99Ms),
      maxMs: medianOf(runs, (r) => r.latency[name].maxMs),
      windowsSampled: medianOf(runs, (r) => r.latency[name].windows),
    });
    const result = {
      scenario: "pipeline",
      ...context(startedAt, loadBefore),
      workload:
        "load generator process (keep-alive connections: 32 in the max phase, 16 in the latency phases, 32 in overload; 100 events/request, ~300-byte events) -> runner: HTTP ingest -> validate -> filter -> map -> key-by user -> [topic] -> 10 s tumbling count per type -> Postgres upsert",
      sustainedDefinition:
        "events accepted (202) in the max phase / (the generator's first request -> the sink's write of the last window holding them; the load ends with a closing request so every window closes)",
      memoryDefinition:
        "runnerMaxRssMiB: the runner's process_resident_memory_bytes (with several engine processes, the sum of their RSS, so shared pages count once per process); runnerMaxPssMiB: PSS of the runner's processes from /proc/<pid>/smaps_rollup, each shared page counted once",
      runnerEnvironment: { MALLOC_ARENA_MAX: env["MALLOC_ARENA_MAX"] ?? null },
      latencyDefinition:
        "per window: the 202 of the first request that let it close (an event past its end + watermark delay) -> the sink's write of its final count (trigger clock_timestamp()); one sample per window weighted by its events; window wait excluded",
      correctness:
        "after every phase the Postgres rows must equal the generator's exact count per window and type for every closed window (else the run fails with the difference)",
      runs: RUNS,
      runnerNodeFlags: RUNNER_NODE_FLAGS,
      pipeline: {
        sustainedEventsPerSecondMedian: sustained,
        runnerCpuMicrosPerEventMedian: medianOf(runs, (r) => r.max.runnerCpuMicrosPerEvent),
        cpuMicrosPerEventMedian: {
          machine: medianOf(runs, (r) => r.max.cpuMicrosPerEvent.machine),
          broker: medianOf(runs, (r) => r.max.cpuMicrosPerEvent.broker),
          redis: medianOf(runs, (r) => r.max.cpuMicrosPerEvent.redis),
        },
        avgBatchFirstStage: medianOf(runs, (r) => r.max.avgBatchFirstStage),
        avgBatchWindowStage: medianOf(runs, (r) => r.max.avgBatchWindowStage),
        latency: { "50%": latencyAt("50%"), "80%": latencyAt("80%"), "15000": latencyAt("15000") },
        runnerMaxRssMiBMedian: medianOf(runs, (r) => r.runnerMaxRssMiB),
        runnerMaxPssMiBMedian: medianOf(runs, (r) => r.runnerMaxPssMiB),
        overload: {
          offeredEventsPerSecond: medianOf(runs, (r) => r.overload.offeredEventsPerSecond),
          acceptedPerSecond: medianOf(runs, (r) => r.overload.acceptedPerSecond),
          responses429: medianOf(runs, (r) => r.overload.responses429),
          runnerMaxRssMiB: medianOf(runs, (r) => r.overload.runnerMaxRssMiB),
          runnerMaxPssMiB: medianOf(runs, (r) => r.overload.runnerMaxPssMiB),
        },
        redisMaxUsedMemoryMiBMedian: medianOf(runs, (r) => r.redisMaxUsedMemoryMiB),
        emissionsPerWindowMedian: medianOf(runs, (r) => r.sink.emissionsPerWindow),
        runs,
        warmUpNotCounted: warmUp?.max ?? null,
      },
      cpuByHop: hops
        ? {
            ...hops,
            events: profiled?.totalIngested,
            note: `one profiled run (warm-up + 15 s at max); the busiest of ${profiles.length} runner process profile(s) (with several engine processes, µs/event cover that process's share only); µs/event include profiler overhead`,
          }
        : null,
      bullmqOverheadMicrosPerEvent: {
        localPathMedian: medianOf(queue, (q) => q.overheadMicrosPerEvent.localPath),
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
      ratioOfBrokerLimit: brokerLimit === null ? null : +(sustained / brokerLimit).toFixed(2),
    };
    keep("pipeline", startedAt, result);
    summaries.push(
      `bench: ${sustained} events/s sustained; p99 ${p99At15k ?? "n/a"} ms at 15000 events/s; ${result.ratioOfBrokerLimit ?? "n/a "}x of broker limit`,
    );
  }

  if (scenarios.has("catchup")) {
    const startedAt = new Date();
    const loadBefore = loadavg();
    type CatchupRun = {
      events: number;
      seconds: number;
      eventsPerSecond: number;
      cpuMicrosPerEvent: { machine: number; runner: number | null; broker: number | null; redis: number | null };
      coresUsed: { machine: number; runner: number | null };
      runnerProcesses: number;
      emissions: { perWindow: number; maxPerWindow: number; windows: number; revisions: number; resent: number };
      check: { ok: boolean };
    };
    const runs: CatchupRun[] = [];
    const catchupArgs = [
      "--port",
      RUNNER_PORT,
      `--runner-node-flags=${RUNNER_NODE_FLAGS}`,
      "--events",
      String(size("catchupEvents")),
    ];
    for (let i = 0; i < RUNS; i++) {
      const r = await runJson<CatchupRun>("apps/runner/bench/catchup-bench.ts", catchupArgs, env);
      log(
        `catch-up run ${i + 1}: ${r.eventsPerSecond} events/s, ${r.cpuMicrosPerEvent.machine} µs CPU/event machine-wide (runner ${r.cpuMicrosPerEvent.runner}, ${r.runnerProcesses} engine processes using ${r.coresUsed.runner} cores), ${r.emissions.perWindow} emissions/window (${r.emissions.revisions} later revisions, ${r.emissions.resent} re-sent)`,
      );
      runs.push(r);
    }
    // Where the runner's CPU goes: one more run under the profiler, split into hops (start-up excluded).
    let cpuByHop = null;
    if (size("extras") !== 0) {
      log("catch-up: profiled run (per-hop CPU)");
      const dir = mkdtempSync(join(tmpdir(), "sluice-bench-catchup-prof-"));
      const profiled = await runJson<CatchupRun>(
        "apps/runner/bench/catchup-bench.ts",
        [...catchupArgs, "--profile-dir", dir],
        env,
      );
      const { hops, profiles } = await hopsOf(dir, profiled.events, env);
      rmSync(dir, { recursive: true, force: true });
      cpuByHop = hops && {
        ...hops,
        events: profiled.events,
        profiledRun: {
          eventsPerSecond: profiled.eventsPerSecond,
          runnerMicrosPerEvent: profiled.cpuMicrosPerEvent.runner,
        },
        note: `one more full run under the profiler; the busiest of ${profiles.length} runner process profile(s) (with several engine processes, µs/event cover that process's share only); shares exclude idle and start-up; µs/event include profiler overhead`,
      };
    }
    const result = {
      scenario: "catchup",
      ...context(startedAt, loadBefore),
      workload: `${size("catchupEvents")} events of ~300 bytes pre-filled in a 6-partition topic; runner process: kafka-source (earliest, fresh groups) -> filter (type != heartbeat) -> map (keep user_id, type, ts) -> key-by type -> 10 s tumbling count per type -> kafka-sink`,
      definition:
        "deploy -> every consumer group of the pipeline at zero lag and the output topic holding every window's final count; CPU from /proc (utime+stime per process, the runner's with all its engine processes; busy time of /proc/stat) over deploy -> zero lag, divided by the input events; cores used = CPU seconds / wall seconds over the same span; emissions = output records per window",
      correctness:
        "the final (highest-revision) count of every window in the output topic must equal the count computed from the generated input (else the run fails with the difference)",
      runs: RUNS,
      runnerNodeFlags: RUNNER_NODE_FLAGS,
      eventsPerSecondMedian: Math.round(median(runs.map((r) => r.eventsPerSecond))),
      cpuMicrosPerEventMedian: {
        machine: medianOf(runs, (r) => r.cpuMicrosPerEvent.machine),
        runner: medianOf(runs, (r) => r.cpuMicrosPerEvent.runner),
        broker: medianOf(runs, (r) => r.cpuMicrosPerEvent.broker),
        redis: medianOf(runs, (r) => r.cpuMicrosPerEvent.redis),
      },
      coresUsedMedian: {
        machine: medianOf(runs, (r) => r.coresUsed.machine),
        runner: medianOf(runs, (r) => r.coresUsed.runner),
      },
      runnerProcesses: medianOf(runs, (r) => r.runnerProcesses),
      emissionsPerWindowMedian: medianOf(runs, (r) => r.emissions.perWindow),
      cpuByHop,
      perRun: runs,
    };
    keep("catchup", startedAt, result);
    summaries.push(
      `bench-catchup: ${result.eventsPerSecondMedian} events/s; ${result.cpuMicrosPerEventMedian.machine ?? "n/a"} µs CPU/event machine-wide; ${result.emissionsPerWindowMedian ?? "n/a"} emissions/window`,
    );
  }
  if (scenarios.has("views")) {
    const startedAt = new Date();
    const loadBefore = loadavg();
    type ViewPhase = {
      requests: number;
      answered503: number;
      requestsPerSecond: number;
      p50Ms: number | null;
      p90Ms: number | null;
      p99Ms: number | null;
      maxMs: number | null;
    };
    type ViewsRun = {
      rates: Record<
        string,
        ViewPhase & {
          offeredPerSecond: number;
          fromSend: { p50Ms: number | null; p99Ms: number | null };
          lateSends: number;
        }
      >;
      max: ViewPhase & { connections: number };
      answered: number;
      mismatches: number;
      mismatchSamples: string[];
    };
    const runs: ViewsRun[] = [];
    const seconds = String(size("viewsSeconds"));
    for (let i = 0; i < RUNS; i++) {
      const r = await runJson<ViewsRun>(
        "apps/runner/bench/views-bench.ts",
        [
          "--port",
          RUNNER_PORT,
          `--runner-node-flags=${RUNNER_NODE_FLAGS}`,
          "--rates",
          "200,1000",
          "--seconds",
          seconds,
          "--max-seconds",
          seconds,
        ],
        env,
      );
      log(
        `views run ${i + 1}: p99 ${r.rates["200"]?.p99Ms} ms at 200/s, ${r.rates["1000"]?.p99Ms} ms at 1000/s; max ${r.max.requestsPerSecond} requests/s (p99 ${r.max.p99Ms} ms); ${r.mismatches} wrong of ${r.answered}`,
      );
      runs.push(r);
    }
    const phase = (pick: (r: ViewsRun) => ViewPhase | undefined) => ({
      answered503: medianOf(runs, (r) => pick(r)?.answered503),
      requestsPerSecond: medianOf(runs, (r) => pick(r)?.requestsPerSecond),
      p50Ms: medianOf(runs, (r) => pick(r)?.p50Ms),
      p90Ms: medianOf(runs, (r) => pick(r)?.p90Ms),
      p99Ms: medianOf(runs, (r) => pick(r)?.p99Ms),
      maxMs: medianOf(runs, (r) => pick(r)?.maxMs),
    });
    const result = {
      scenario: "views",
      ...context(startedAt, loadBefore),
      workload:
        "runner process serving a deployed pipeline's postgres-sink view (10,000 pages x 10 windows, PRIMARY KEY (page, window_start), newest row per page) and redis-sink view (10,000-member sorted set); load generator process with node:http keep-alive connections; 80% page-counts?key=<random page>, 20% trending?top=10; one read API key, rate limit off",
      definition:
        "open loop at 200 and 1000 requests/s (latency from each request's scheduled send time to the end of its answer, so stalls count against every request they delay, the load generator's own included; fromSend: from the actual send, the runner's answer time), then a closed loop with 16 connections for the maximum throughput (latency per request)",
      correctness:
        "every answer must be 200 with exactly the expected JSON (the page's newest window row; the top 10 members) or the run fails; 503s (load shed past the runner's 2 s view timeout) are counted per phase as answered503",
      runs: RUNS,
      at200: {
        ...phase((r) => r.rates["200"]),
        fromSendP50Ms: medianOf(runs, (r) => r.rates["200"]?.fromSend.p50Ms),
        fromSendP99Ms: medianOf(runs, (r) => r.rates["200"]?.fromSend.p99Ms),
        lateSends: medianOf(runs, (r) => r.rates["200"]?.lateSends),
      },
      at1000: {
        ...phase((r) => r.rates["1000"]),
        fromSendP50Ms: medianOf(runs, (r) => r.rates["1000"]?.fromSend.p50Ms),
        fromSendP99Ms: medianOf(runs, (r) => r.rates["1000"]?.fromSend.p99Ms),
        lateSends: medianOf(runs, (r) => r.rates["1000"]?.lateSends),
      },
      max: phase((r) => r.max),
      answeredTotal: runs.reduce((n, r) => n + r.answered, 0),
      wrongTotal: runs.reduce((n, r) => n + r.mismatches, 0),
      perRun: runs,
    };
    keep("views", startedAt, result);
    summaries.push(
      `bench-views: p99 ${result.at200.p99Ms ?? "n/a"} ms at 200 requests/s (${result.at200.fromSendP99Ms ?? "n/a"} ms from send); ${result.max.requestsPerSecond ?? "n/a"} requests/s max (p99 ${result.max.p99Ms ?? "n/a"} ms); ${result.answeredTotal} answers checked, ${result.wrongTotal} wrong`,
    );
  }
  for (const line of summaries) console.log(line);
} finally {
  rmSync(profileDir, { recursive: true, force: true });
  await redis.managed?.stop();
  await services.stop();
}
