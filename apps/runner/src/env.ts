// The runner's configuration: the only module that reads process.env. Everything else receives the
// parsed `RunnerEnv`, so tests can build one without touching the process.
import { availableParallelism, hostname } from "node:os";
import { z } from "zod";

/** Exit code for a configuration error (EX_CONFIG from sysexits.h): restarting will not help. */
export const EXIT_CONFIG = 78;
/** EX_UNAVAILABLE (sysexits.h): a required service is down at start; a supervisor may retry later. */
export const EXIT_UNAVAILABLE = 69;

// An empty `FOO=` line in a shell or .env means "unset", not "the empty string".
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const Port = z
  .string()
  .regex(/^\d{1,5}$/, "must be a TCP port number (0-65535)")
  .transform(Number)
  .refine((port) => port <= 65_535, "must be a TCP port number (0-65535)");

const BrokerAddress = z
  .string()
  .regex(/^[A-Za-z0-9.\-_]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "must be a comma-separated list of host:port");

const Brokers = z
  .string()
  .transform((list) =>
    list
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b !== ""),
  )
  .pipe(z.array(BrokerAddress).min(1, "must list at least one host:port"));

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const LogLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` });

// The local services every dev/CI machine has; production must say where its services are.
const LOCAL_DEFAULTS = {
  DATABASE_URL: "postgresql://root@127.0.0.1:5432/sluice",
  REDIS_URL: "redis://127.0.0.1:6379",
  KAFKA_BROKERS: "127.0.0.1:9092",
} as const;

const count = (fallback: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,14}$/, "must be a whole number")
    .default(fallback)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

function schema(production: boolean) {
  const local = <T extends z.ZodType<unknown, string>>(type: T, name: keyof typeof LOCAL_DEFAULTS) =>
    production ? type : z.string().default(LOCAL_DEFAULTS[name]).pipe(type);
  return z.object({
    /** Public HTTP port: ingest only. Default 4100. */
    RUNNER_PORT: z.string().default("4100").pipe(Port),
    /** Interface of the public port. Default 0.0.0.0. */
    RUNNER_HOST: z.string().min(1).default("0.0.0.0"),
    /** Internal HTTP port: /healthz and /metrics (they describe every workspace's pipelines), never published. Default 4101. */
    RUNNER_INTERNAL_PORT: z.string().default("4101").pipe(Port),
    /** Interface of the internal port; use the private network's address when probes come from outside the host. Default 127.0.0.1. */
    RUNNER_INTERNAL_HOST: z.string().min(1).default("127.0.0.1"),
    /** Control-plane Postgres. Default (outside production) postgresql://root@127.0.0.1:5432/sluice. */
    DATABASE_URL: local(
      z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// or postgresql:// URL"),
      "DATABASE_URL",
    ),
    /** Redis for BullMQ and live metrics. Default (outside production) redis://127.0.0.1:6379. */
    REDIS_URL: local(z.string().regex(/^rediss?:\/\/\S+$/, "must be a redis:// or rediss:// URL"), "REDIS_URL"),
    /** Kafka-API brokers, comma-separated host:port. Default (outside production) 127.0.0.1:9092. */
    KAFKA_BROKERS: local(Brokers, "KAFKA_BROKERS"),
    /** pino level. Default info. */
    LOG_LEVEL: LogLevel.default("info"),
    /** Names this process in logs, metrics and BullMQ worker names. Default <hostname>-<pid>. */
    RUNNER_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ -")
      .default(`${hostname()}-${process.pid}`),
    /** How long to wait at start for Postgres, Redis and Kafka (they may be starting too). Default 10000 ms. */
    RUNNER_STARTUP_WAIT_MS: z
      .string()
      .regex(/^\d{1,6}$/, "must be a number of milliseconds (0-999999)")
      .default("10000")
      .transform(Number),
    /**
     * Engine processes this runner starts (node:cluster): `auto` = the machine's cores (capped at
     * RUNNER_TOPIC_PARTITIONS: more processes than partitions would idle in every consumer group), or
     * a number 1-64. With more than one, a supervisor process shares the public port between them,
     * serves /healthz and /metrics for all of them, and restarts one that exits. Default auto: on the
     * 2-core benchmark machine, with the broker beside it, two processes land about 1.3x the events
     * of one (BENCHMARKS.md); memory about doubles. Per-key and webhook rate
     * limits hold across processes (counted in Redis).
     */
    RUNNER_PROCESSES: z
      .string()
      .regex(/^(auto|\d{1,2})$/, "must be auto or a number of processes (1-64)")
      .default("auto")
      .refine(
        (v) => v === "auto" || (Number(v) >= 1 && Number(v) <= 64),
        "must be auto or a number of processes (1-64)",
      ),
    /** Partitions of new pipeline topics. Default 6. */
    RUNNER_TOPIC_PARTITIONS: count("6", 1, 10_000),
    /** Replication factor of new pipeline topics. Default 1 (one local broker); use 3 in production. */
    RUNNER_TOPIC_REPLICATION: count("1", 1, 16),
    /** retention.ms of new pipeline topics. Default 604800000 (7 days). */
    RUNNER_TOPIC_RETENTION_MS: count("604800000", 60_000, 10 ** 13),
    /** Records per micro-batch. Default 500. */
    RUNNER_BATCH_MAX_RECORDS: count("500", 1, 100_000),
    /** Value bytes per micro-batch. Default 1048576. */
    RUNNER_BATCH_MAX_BYTES: count("1048576", 1024, 64 * 2 ** 20),
    /** How long a partial batch waits for more records. Default 20 ms. */
    RUNNER_BATCH_LINGER_MS: count("20", 0, 60_000),
    /**
     * How long a batch waits for a sink or lookup it cannot reach (retried with backoff, the partition
     * paused) before its events are dead-lettered after all. Default 600000 (10 minutes).
     */
    RUNNER_SINK_OUTAGE_MAX_MS: count("600000", 0, 7 * 24 * 3600 * 1000),
    /** Compression of the records the engine writes (internal topics, DLQs, kafka-sinks on Sluice's cluster): none, lz4, zstd, snappy, gzip. Default none. */
    RUNNER_PRODUCER_COMPRESSION: z
      .enum(["none", "lz4", "zstd", "snappy", "gzip"], { error: "must be none, lz4, zstd, snappy or gzip" })
      .default("none"),
    /** Writers of a window's input pre-aggregate it (the combiner, ENGINE.md) where the window allows: true or false. Default true. */
    RUNNER_WINDOW_COMBINER: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("true")
      .transform((v) => v === "true"),
    /**
     * A batch whose stage has a worker pool in this process runs there directly (no BullMQ job, no payload
     * in Redis): true or false. Default true. false sends every batch through BullMQ (for A/B measurements).
     */
    RUNNER_LOCAL_BATCHES: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("true")
      .transform((v) => v === "true"),
    /** Batch jobs each stage's pool runs at once in this process. Default 2. */
    RUNNER_POOL_CONCURRENCY: count("2", 1, 256),
    /** Consumer lag (messages) of a pipeline's slowest stage above which its ingest answers 429. Default 100000. */
    RUNNER_INGEST_LAG_THRESHOLD: count("100000", 1, 10 ** 12),
    /** HTTP ingest requests per second per API key across all runners and processes (token bucket in Redis, one second of burst; 429 + Retry-After beyond); 0 = no limit. Default 2000. */
    RUNNER_INGEST_RATE_PER_KEY: count("2000", 0, 10 ** 9),
    /** GET /v1/views requests per second per read API key across all runners and processes (token bucket in Redis, one second of burst; 429 + Retry-After beyond); 0 = no limit. Default 1000. */
    RUNNER_VIEW_RATE_PER_KEY: count("1000", 0, 10 ** 9),
    /** Ingest rejects (per event, with a reason) event times more than this far ahead of the receive time. Default 86400000 (1 day). */
    RUNNER_INGEST_MAX_FUTURE_MS: count("86400000", 0, 10 ** 12),
    /** Ingest rejects (per event) event times before this ISO-8601 instant. Default 2000-01-01T00:00:00Z. */
    RUNNER_INGEST_NOT_BEFORE: z.iso
      .datetime({ offset: true, error: "must be an ISO-8601 date-time such as 2000-01-01T00:00:00Z" })
      .default("2000-01-01T00:00:00Z")
      .transform((v) => Date.parse(v)),
    /** Comma-separated workspace ids: this runner only runs their deployments (sharding). Default: all. */
    RUNNER_WORKSPACE_IDS: z
      .string()
      .transform((list) =>
        list
          .split(",")
          .map((id) => id.trim())
          .filter((id) => id !== ""),
      )
      .optional(),
    /** Alert webhooks, and webhook sinks whose node allows it, may target private/loopback addresses (local development, tests). Default false. */
    ALLOW_PRIVATE_WEBHOOKS: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("false")
      .transform((v) => v === "true"),
    /** 32-byte key (base64) that decrypts connector secrets. Optional until connectors need it. */
    SLUICE_SECRET_KEY: z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded")
      .optional(),
  });
}

export type RunnerEnv = z.infer<ReturnType<typeof schema>>;

// Values of these may be echoed in an error message; the others may carry credentials.
const ECHOABLE = new Set([
  "RUNNER_PORT",
  "RUNNER_HOST",
  "RUNNER_INTERNAL_PORT",
  "RUNNER_INTERNAL_HOST",
  "LOG_LEVEL",
  "RUNNER_ID",
  "KAFKA_BROKERS",
  "RUNNER_STARTUP_WAIT_MS",
  "RUNNER_PROCESSES",
  "RUNNER_TOPIC_PARTITIONS",
  "RUNNER_TOPIC_REPLICATION",
  "RUNNER_TOPIC_RETENTION_MS",
  "RUNNER_BATCH_MAX_RECORDS",
  "RUNNER_BATCH_MAX_BYTES",
  "RUNNER_BATCH_LINGER_MS",
  "RUNNER_SINK_OUTAGE_MAX_MS",
  "RUNNER_POOL_CONCURRENCY",
  "RUNNER_LOCAL_BATCHES",
  "RUNNER_PRODUCER_COMPRESSION",
  "RUNNER_WINDOW_COMBINER",
  "RUNNER_INGEST_LAG_THRESHOLD",
  "RUNNER_INGEST_RATE_PER_KEY",
  "RUNNER_VIEW_RATE_PER_KEY",
  "RUNNER_INGEST_MAX_FUTURE_MS",
  "RUNNER_INGEST_NOT_BEFORE",
  "ALLOW_PRIVATE_WEBHOOKS",
]);

/** The environment is unusable; `message` lists every bad variable, one per line. */
export class EnvError extends Error {
  override readonly name = "EnvError";

  constructor(readonly problems: { variable: string; problem: string }[]) {
    super(`invalid runner environment:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join("\n")}`);
    // The cause is the environment, not a code path: print the message, never a trace.
    this.stack = this.message;
  }
}

/** Parses and validates the runner's variables from `source` (default process.env). Throws EnvError. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): RunnerEnv {
  const production = source["NODE_ENV"] === "production";
  const shape = schema(production);
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(shape.shape)) input[key] = unsetIfEmpty(source[key]);
  const parsed = shape.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? "environment");
    const value = input[variable];
    const missing = value === undefined;
    const shown = !missing && ECHOABLE.has(variable) ? ` (got "${String(value)}")` : "";
    return { variable, problem: missing ? "is required" : `${issue.message}${shown}` };
  });
  throw new EnvError(problems);
}

/** How many engine processes RUNNER_PROCESSES asks for on this machine. */
export function runnerProcessCount(env: Pick<RunnerEnv, "RUNNER_PROCESSES" | "RUNNER_TOPIC_PARTITIONS">): number {
  if (env.RUNNER_PROCESSES !== "auto") return Number(env.RUNNER_PROCESSES);
  return Math.max(1, Math.min(availableParallelism(), env.RUNNER_TOPIC_PARTITIONS));
}
