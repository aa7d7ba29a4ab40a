// `npm run test:chaos [-- scenario ...]`: the reliability suite (apps/runner/CHAOS.md). It runs its own
// Redis and Kafka broker (it restarts both), a scratch database, and real runner processes that it
// kills. Ends with one line `chaos: N passed, N failed` (one per check of every scenario).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { recreateDatabase } from "./lib/database";
import { canConnect, waitFor } from "./lib/net";
import { repoRoot } from "./lib/paths";
import { ensureServices, type Services } from "./lib/services";

const REDIS_PORT = Number(process.env.CHAOS_REDIS_PORT ?? 6390);
const KAFKA_PORT = Number(process.env.CHAOS_KAFKA_PORT ?? 9192);
const RUNNER_PORTS = (process.env.CHAOS_RUNNER_PORTS ?? "4391,4392").split(",").map(Number);
const databaseUrl = process.env.CHAOS_DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/sluice_chaos";
const redisUrl = `redis://127.0.0.1:${REDIS_PORT}/0`;
const kafkaBrokers = `127.0.0.1:${KAFKA_PORT}`;
const dir = join(repoRoot, ".cache", "chaos");
const logDir = join(dir, "logs");

function redisCli(...args: string[]) {
  return spawnSync("redis-cli", ["-p", String(REDIS_PORT), ...args], { encoding: "utf8" });
}

async function startRedis() {
  const r = spawnSync(
    "redis-server",
    [
      "--port",
      String(REDIS_PORT),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "yes",
      "--dir",
      dir,
      "--dbfilename",
      `redis-${REDIS_PORT}.rdb`,
      "--logfile",
      join(logDir, "redis.log"),
    ],
    { stdio: "inherit" },
  );
  if (r.status !== 0) throw new Error("redis-server failed to start");
  await waitFor("Redis", async () => redisCli("ping").stdout.trim() === "PONG", 15_000, 100);
}

async function stopRedis(save: boolean) {
  redisCli("shutdown", save ? "save" : "nosave");
  await waitFor("Redis to stop", async () => !(await canConnect("127.0.0.1", REDIS_PORT)), 15_000, 100);
}

let kafka: Services | undefined;
async function startKafka() {
  // ensureServices only starts a broker when KAFKA_BROKERS is unset (set later for the runner helpers).
  const saved = process.env.KAFKA_BROKERS;
  delete process.env.KAFKA_BROKERS;
  try {
    kafka = await ensureServices({ databaseUrl, redisUrl, kafkaBrokers });
  } finally {
    if (saved !== undefined) process.env.KAFKA_BROKERS = saved;
  }
}
async function stopKafka() {
  await kafka?.stop();
  if (await canConnect("127.0.0.1", KAFKA_PORT))
    throw new Error(`a Kafka broker this run did not start listens on ${KAFKA_PORT}; stop it first`);
}

async function main(): Promise<number> {
  mkdirSync(logDir, { recursive: true });
  // This suite's own services: never the shared broker/Redis, which it would have to restart.
  if (await canConnect("127.0.0.1", REDIS_PORT)) await stopRedis(false);
  rmSync(join(dir, `redis-${REDIS_PORT}.rdb`), { force: true });
  await startRedis();
  await startKafka();
  await stopKafka(); // fails fast when the broker on the port is not ours
  // A fresh log directory: old runs' partitions only slow the broker restarts down.
  rmSync(join(repoRoot, ".cache", "kafka", `data-${KAFKA_PORT}`), { recursive: true, force: true });
  await startKafka();
  await recreateDatabase(databaseUrl);
  // The runner test helpers read these when first imported.
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: kafkaBrokers,
    TEST_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  });
  const { scenarios } = await import("../apps/runner/chaos/scenarios");
  const { printResult } = await import("../apps/runner/chaos/report");
  const wanted = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = wanted.filter((w) => !(w in scenarios));
  if (unknown.length > 0)
    throw new Error(`unknown scenario(s) ${unknown.join(", ")}; known: ${Object.keys(scenarios).join(", ")}`);
  const infra = {
    databaseUrl,
    redisUrl,
    kafkaBrokers,
    repoRoot,
    logDir,
    runnerPorts: RUNNER_PORTS,
    stopKafka,
    startKafka,
    stopRedis: () => stopRedis(true),
    startRedis,
  };
  let passed = 0;
  let failed = 0;
  const started = Date.now();
  for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) {
    console.log(`\n[chaos] ── ${name} ${"─".repeat(60 - name.length)}`);
    const t = Date.now();
    try {
      const result = await scenarios[name]!(infra);
      printResult(result, (Date.now() - t) / 1000);
      passed += result.checks.filter((c) => c.ok).length;
      failed += result.checks.filter((c) => !c.ok).length;
    } catch (error) {
      console.error(
        `[chaos] ${name} could not finish: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      failed++;
    }
    // A scenario that failed half-way may have left a service down.
    try {
      if (!(await canConnect("127.0.0.1", REDIS_PORT))) await startRedis();
      if (!(await canConnect("127.0.0.1", KAFKA_PORT))) await startKafka();
    } catch (error) {
      console.error(
        `[chaos] services could not be restored after ${name}: ${error instanceof Error ? error.message : String(error)}`,
      );
      failed++;
      break;
    }
  }
  console.log(`\n[chaos] runner logs: ${logDir}; total ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`chaos: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function cleanUp() {
  await kafka?.stop().catch(() => undefined);
  // A broker whose start timed out has no handle: find it by this suite's own config file.
  const leftover = spawnSync("pgrep", ["-f", `server-${KAFKA_PORT}.properties`], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean);
  for (const pid of leftover) process.kill(Number(pid), "SIGKILL");
  if (await canConnect("127.0.0.1", REDIS_PORT)) await stopRedis(false).catch(() => undefined);
}
// Ctrl-C: stop what this run started (runner processes are killed on exit by their module).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`[chaos] ${error instanceof Error ? error.message : String(error)}`);
  console.log("chaos: 0 passed, 1 failed");
} finally {
  await cleanUp();
}
process.exit(code);
