// One engine process: waits for Postgres, Redis and Kafka, serves HTTP, runs the engine, and shuts
// down in order on SIGTERM (and SIGINT when it runs alone). Pipeline feeders and worker pools register
// with the shutdown sequence when the engine starts them. main.ts runs it directly (RUNNER_PROCESSES=1)
// or as a node:cluster worker of the supervisor (supervisor.ts): then the public port is shared, the
// supervisor serves /healthz and /metrics (asking this process over IPC) and owns Ctrl-C.
//
// Exit codes: 0 clean stop, 1 crash or unclean stop, 69 a service unreachable at start, 78 bad env or port.
import cluster from "node:cluster";
import { Socket } from "node:net";
import { EXIT_CONFIG, EXIT_UNAVAILABLE, type RunnerEnv } from "./env";
import { type HttpServer, startHttpServer } from "./http/server";
import type { Route } from "./http/router";
import { runnerRoutes } from "./observe/internal-routes";
import { checkHealth } from "./observe/health";
import { createKafka } from "@sluice/kafka";
import { createShutdown } from "./lifecycle";
import type { Logger } from "./log";
import { createMetrics } from "./observe/metrics";
import { createPostgres } from "./services/postgres";
import { serviceProbes } from "./services/probes";
import { closeRedis, createRedis } from "./services/redis";
import { ServiceUnavailableError, waitForServices } from "./services/wait-for-services";
import { engineSettings } from "./settings";
import { RUNNER_VERSION } from "./version";
import { SHUTDOWN_TIMEOUT_MS, type SupervisorMessage, WORKER_MESSAGE } from "./process-messages";

export async function runEngineProcess(env: RunnerEnv, log: Logger): Promise<void> {
  const supervised = cluster.isWorker;
  const shutdown = createShutdown(log);
  const postgres = createPostgres(env.DATABASE_URL, log);
  const redis = createRedis(env.REDIS_URL, log);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `sluice-${env.RUNNER_ID}`, log });
  shutdown.register("producers", "kafka", () => kafka.close());
  shutdown.register("redis", "redis", () => closeRedis(redis));
  shutdown.register("postgres", "postgres", () => postgres.close());

  let stopping: Promise<never> | undefined;
  const stop = (code: number, reason: string) => {
    // A second signal while stopping means "now".
    if (stopping) process.exit(1);
    log.info({ reason }, "runner stopping");
    stopping = shutdown.run(SHUTDOWN_TIMEOUT_MS).then((clean) => {
      log.info({ clean }, "runner stopped");
      process.exit(clean ? code : 1);
    });
  };
  process.on("SIGTERM", () => stop(0, "SIGTERM"));
  if (supervised) {
    // A terminal's Ctrl-C reaches every process of the group: the supervisor stops its processes with SIGTERM.
    process.on("SIGINT", () => log.debug("SIGINT left to the supervisor"));
    // The supervisor is gone (killed): nothing restarts or routes to this process any more.
    process.on("disconnect", () => {
      if (!stopping) stop(0, "supervisor gone");
    });
  } else process.on("SIGINT", () => stop(0, "SIGINT"));
  process.on("uncaughtException", (err) => {
    log.fatal({ err }, "uncaught exception");
    stop(1, "uncaught exception");
  });
  process.on("unhandledRejection", (err) => {
    log.fatal({ err }, "unhandled promise rejection");
    stop(1, "unhandled rejection");
  });

  const probes = serviceProbes(env, { postgres, redis, kafka: kafka.admin });
  try {
    await waitForServices(probes, { log, timeoutMs: env.RUNNER_STARTUP_WAIT_MS });
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    log.fatal(
      { failures: error.failures.map((f) => ({ dependency: f.probe.name, target: f.probe.target, reason: f.reason })) },
      "services unavailable",
    );
    process.stderr.write(
      error.message
        .split("\n")
        .map((line) => `runner: ${line}\n`)
        .join(""),
    );
    await shutdown.run(2000);
    process.exit(EXIT_UNAVAILABLE);
  }

  const metrics = createMetrics({ runnerId: env.RUNNER_ID, version: RUNNER_VERSION });
  // Loaded after the environment is validated: the engine and the CEL evaluator take a while to
  // import, and a bad variable must be reported at once.
  const [{ createControlDb }, { createEngine }] = await Promise.all([
    import("./services/control-db"),
    import("./wiring"),
  ]);
  const engine = createEngine({
    db: createControlDb(postgres.pool),
    kafka,
    redis,
    registry: metrics.registry,
    log,
    runnerId: env.RUNNER_ID,
    ...(env.SLUICE_SECRET_KEY ? { secretKey: env.SLUICE_SECRET_KEY } : {}),
    settings: engineSettings(env),
  });
  // Feeders drain (finish and commit their batches) while workers still run.
  shutdown.register("workers", "engine", () => engine.stop("drain"));
  const listen = (
    host: string,
    port: number,
    routes: Route[],
    variables: string,
    exclusive = false,
  ): Promise<HttpServer> =>
    startHttpServer({ host, port, routes, log, exclusive }).catch(async (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL" && code !== "EACCES") throw error;
      process.stderr.write(`runner: cannot listen on ${host}:${port} (${String(code)}): fix ${variables}\n`);
      await shutdown.run(2000);
      process.exit(EXIT_CONFIG);
    });
  // Ingest is public; health and metrics (every workspace's pipeline and node ids) only on the internal
  // listener. Supervised, the supervisor accepts the public port's connections and hands them over (with
  // the message); the server itself listens only on a loopback port of its own, nobody's to know.
  const server = supervised
    ? await listen("127.0.0.1", 0, engine.routes, "RUNNER_PORT or RUNNER_HOST", true)
    : await listen(env.RUNNER_HOST, env.RUNNER_PORT, engine.routes, "RUNNER_PORT or RUNNER_HOST");
  shutdown.register("http", "http server", () => server.close());
  if (supervised) {
    // The supervisor serves the internal port for every process, asking each for its part.
    process.on("message", (received: unknown, handle: unknown) => {
      const message = received as SupervisorMessage | undefined;
      if (message?.type === WORKER_MESSAGE.connection) {
        if (handle instanceof Socket) server.accept(handle);
        return;
      }
      if (message?.type !== WORKER_MESSAGE.ask) return;
      const answer = message.what === "health" ? checkHealth(probes) : metrics.registry.getMetricsAsJSON();
      void answer.then(
        (value) => process.connected && process.send?.({ type: WORKER_MESSAGE.answer, id: message.id, value }),
        (err: unknown) => log.warn({ err }, "cannot answer the supervisor"),
      );
    });
    process.send?.({ type: WORKER_MESSAGE.accepting });
    await engine.start();
    log.info({ version: RUNNER_VERSION }, "runner process ready");
    process.send?.({ type: WORKER_MESSAGE.ready });
    return;
  }
  const internal = await listen(
    env.RUNNER_INTERNAL_HOST,
    env.RUNNER_INTERNAL_PORT,
    runnerRoutes({ probes, metrics }),
    "RUNNER_INTERNAL_PORT or RUNNER_INTERNAL_HOST",
  );
  shutdown.register("http", "internal http server", () => internal.close());
  await engine.start();
  log.info({ url: server.url, internalUrl: internal.url, version: RUNNER_VERSION }, "runner listening");
}
