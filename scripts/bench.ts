// `npm run bench`: measured figures on this machine, never asserted in tests. Brings up the same
// services as `npm start`, uses a scratch database, runs each benchmark 3 times and reports medians.
// Writes bench/results/latest.json and ends with the one-line summary BENCHMARKS.md quotes.
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { localSecrets, serviceUrls } from "./lib/config";
import { recreateDatabase } from "./lib/database";
import { repoRoot } from "./lib/paths";
import { node22 } from "./lib/procs";
import { ensureServices } from "./lib/services";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

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

const urls = serviceUrls({ database: "postgresql://root@127.0.0.1:5432/sluice_bench", redis: "redis://127.0.0.1:6379/2" });
const services = await ensureServices(urls);
try {
  await recreateDatabase(urls.databaseUrl);
  const env = { ...process.env, ...localSecrets(), DATABASE_URL: urls.databaseUrl, REDIS_URL: urls.redisUrl, KAFKA_BROKERS: urls.kafkaBrokers, TEST_LOG_LEVEL: "silent" };

  type EngineRun = { events: number; eventsPerSecond: number; cpuMicrosPerEvent: number; endToEndSeconds: number };
  const engine: EngineRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await runJson<EngineRun>("apps/runner/bench/engine-throughput.ts", ["--events", String(EVENTS)], env);
    console.log(`[bench] engine run ${i + 1}: ${r.eventsPerSecond} events/s, ${r.cpuMicrosPerEvent} µs CPU/event`);
    engine.push(r);
  }

  // The broker's own limit with the same client: produce then consume the same number of 300-byte
  // events, no processing. One event through the pipeline costs at least one of each.
  type ClientRuns = { results: { produceMs: number; consumeMs: number }[] };
  const raw = await runJson<ClientRuns>("packages/kafka/bench/kafka-client.ts", ["--clients", "platformatic", "--runs", String(RUNS), "--messages", String(EVENTS)], env);
  const brokerLimit = median(raw.results.map((r) => EVENTS / ((r.produceMs + r.consumeMs) / 1000)));

  const sustained = Math.round(median(engine.map((r) => r.eventsPerSecond)));
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    workload: "HTTP ingest (500/request, 4 clients) -> validate -> map -> kafka-sink, ~100-byte events, one runner process",
    runs: RUNS,
    events: EVENTS,
    pipeline: { eventsPerSecondMedian: sustained, cpuMicrosPerEventMedian: median(engine.map((r) => r.cpuMicrosPerEvent)), runs: engine },
    broker: { produceThenConsumeEventsPerSecondMedian: Math.round(brokerLimit), runs: raw.results },
    ratioOfBrokerLimit: +(sustained / brokerLimit).toFixed(2),
    latency: null as null | { p50Ms: number; p99Ms: number; atEventsPerSecond: number },
  };
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(join(repoRoot, "bench", "results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`bench: ${sustained} events/s sustained; p99 not measured yet at 15000 events/s; ${result.ratioOfBrokerLimit}x of broker limit`);
} finally {
  await services.stop();
}
