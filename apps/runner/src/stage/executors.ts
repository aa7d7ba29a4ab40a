// One executor per node type, as a mapped type over the registry: a descriptor without an executor
// does not compile. Executors wrap the shared cores (the same code preview runs) and add the I/O the
// cores leave out: connections from secrets, lookups, sink writes.
import { Redis } from "ioredis";
import pg from "pg";
import type { OutgoingMessage } from "@sluice/kafka";
import { type RegistryClient, WireFormatError } from "@sluice/schema-registry";
import {
  chunks,
  type CoreResult,
  createPostgresRowMapper,
  createRedisCommandMapper,
  createTransformCore,
  durationMs,
  type EventRecord,
  type JsonObject,
  kafkaSinkKeys,
  type NodeConfig,
  type NodeTypeId,
  postgresWriteStatement,
  type TransformTypeId,
  valueSubject,
  webhookSignature,
} from "@sluice/shared";
import { createWebhookClient, WebhookRefused } from "../services/webhook-client";
import { reserveSlot } from "../services/rate-limiter";
import { s3Sink } from "./s3-sink";
import type { ExecutorContext, NodeRuntime } from "./node-runtime";

export type { ExecutorContext, NodeRuntime } from "./node-runtime";

type Executor<K extends NodeTypeId> = (config: NodeConfig<K>, ctx: ExecutorContext) => Promise<NodeRuntime>;

const transform =
  <K extends TransformTypeId>(type: K): Executor<K> =>
  async (config, ctx) => {
    const enrich = type === "enrich" ? await enrichLookup(config as NodeConfig<"enrich">, ctx) : undefined;
    const created = createTransformCore(type, config, enrich ? { lookup: enrich.lookup } : {});
    if (created.kind === "stateful") {
      const probe = created.core as { groupKeyOf?: (event: EventRecord) => string };
      return {
        kind: "stateful",
        restore: (state) => {
          const restored = createTransformCore(type, config, { state: state ?? undefined });
          if (restored.kind !== "stateful") throw new Error(`${type} is not stateful`);
          return restored.core;
        },
        ...(probe.groupKeyOf
          ? { groupKeyOf: (event: EventRecord) => probe.groupKeyOf!.call(created.core, event) }
          : {}),
      };
    }
    const core = created.core;
    return {
      kind: "transform",
      process: async (batch, c) => core.process(batch, c),
      ...(enrich ? { close: enrich.close } : {}),
    };
  };

const executors: { [K in NodeTypeId]: Executor<K> } = {
  "http-ingest": async () => ({ kind: "source" }),
  generator: async () => ({ kind: "source" }),
  // The stage head decodes the external topic's JSON values; the node itself passes them on.
  "kafka-source": async () => ({
    kind: "transform",
    process: async (batch) => ({ outputs: { out: [...batch] }, errors: [] }),
  }),
  filter: transform("filter"),
  map: transform("map"),
  validate: transform("validate"),
  dedup: transform("dedup"),
  "mask-pii": async (config, ctx) => {
    const salt = config.saltSecretId ? await ctx.secret(config.saltSecretId) : undefined;
    const created = createTransformCore("mask-pii", config, { secret: () => salt });
    if (created.kind !== "stateless") throw new Error("mask-pii core is stateless");
    return { kind: "transform", process: async (batch, c) => created.core.process(batch, c) };
  },
  enrich: transform("enrich"),
  "key-by": transform("key-by"),
  route: transform("route"),
  window: transform("window"),
  sessionize: transform("sessionize"),
  "postgres-sink": postgresSink,
  "redis-sink": redisSink,
  "webhook-sink": webhookSink,
  "s3-sink": s3Sink,
  "kafka-sink": async (config, ctx) => {
    const keys = kafkaSinkKeys(config);
    // On Sluice's cluster the messages go out with the batch; through a connection, with a producer of
    // that cluster, acknowledged before write() returns (so still before the offsets are committed), or
    // when the batch is to be sent once (stage-step.ts, sendOnceTopics) by `send`, after its checkpoint.
    const producer = config.connectionId
      ? (await ctx.kafka(config.connectionId)).producer({ name: `sink-${ctx.nodeId}` })
      : undefined;
    const avro = config.valueFormat === "avro" ? await sinkAvro(config, ctx) : undefined;
    return {
      kind: "sink",
      async write(batch, c, _source, options) {
        const result = keys(batch, c);
        const out = result.outputs["out"] ?? [];
        const errors = [...result.errors];
        const produce: OutgoingMessage[] = [];
        for (const [i, event] of out.entries()) {
          const key = result.keys?.["out"]?.[i] ?? null;
          if (!avro) {
            produce.push({ topic: config.topic, key, value: JSON.stringify(event) });
            continue;
          }
          try {
            produce.push({ topic: config.topic, key, value: await avro.registry.encode(avro.schemaId, event) });
          } catch (e) {
            if (!(e instanceof WireFormatError)) throw e;
            errors.push({ event, error: { code: e.code, message: e.message } });
          }
        }
        if (!producer) return { errors, produce };
        if (options?.defer) return { errors, produce, ownProducer: true };
        if (produce.length > 0) await producer.send(produce);
        return { errors };
      },
      ...(producer
        ? {
            async send(messages: OutgoingMessage[]) {
              if (messages.length > 0) await producer.send(messages);
            },
            close: () => producer.close(),
          }
        : {}),
    };
  },
};

/**
 * kafka-sink's Avro: the schema publish checked against the subject's compatibility mode (and
 * recorded in the version), registered again here (the registry answers the existing id).
 */
async function sinkAvro(
  config: NodeConfig<"kafka-sink">,
  ctx: ExecutorContext,
): Promise<{ registry: RegistryClient; schemaId: number }> {
  if (!config.registryId || !ctx.registry) throw new Error("kafka-sink: the avro format needs a schema registry");
  if (!config.avroSchema) throw new Error("kafka-sink: the version has no Avro schema (publish it again)");
  const registry = await ctx.registry(config.registryId);
  const schemaId = await registry.register(valueSubject(config.topic), "AVRO", config.avroSchema);
  return { registry, schemaId };
}

/** The executor for a node, typed by its type id. */
export function createNodeRuntime<K extends NodeTypeId>(
  type: K,
  config: NodeConfig<K>,
  ctx: ExecutorContext,
): Promise<NodeRuntime> {
  return (executors[type] as Executor<K>)(config, ctx);
}

// ---------------------------------------------------------------------------------------------
// Connections from secrets
// ---------------------------------------------------------------------------------------------

const POSTGRES_SCHEMES = ["postgres:", "postgresql:"] as const;
const REDIS_SCHEMES = ["redis:", "rediss:"] as const;
type ConnectionSecret = { url: string; name: string };

/**
 * A connection string from a secret. Anything but a URL of the expected scheme is refused by the
 * secret's name: a client given a bare string takes it for a host name and repeats it in every
 * connection error (a password pasted into the wrong secret would end up in the logs).
 */
async function connectionSecret(
  ctx: ExecutorContext,
  secretId: string,
  schemes: readonly string[],
): Promise<ConnectionSecret> {
  const [url, name] = await Promise.all([ctx.secret(secretId), ctx.secretName ? ctx.secretName(secretId) : secretId]);
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Not a URL: refused below.
  }
  if (!protocol || !schemes.includes(protocol))
    throw new Error(`secret "${name}" is not a ${schemes.map((s) => `${s}//`).join(" or ")} connection URL`);
  return { url, name };
}

/** A connection error as a log line may carry it: the secret's name and the error's code, the connection string and password masked. */
function connectionErrorLog(
  err: Error,
  secret: ConnectionSecret,
): { secretName: string; code?: string; error: string } {
  const { password } = new URL(secret.url);
  let message = err.message.split(secret.url).join(`<secret ${secret.name}>`);
  for (const value of new Set([password, safeDecode(password)]))
    if (value.length >= 4) message = message.split(value).join("<password>");
  const code = (err as NodeJS.ErrnoException).code;
  return { secretName: secret.name, ...(code ? { code } : {}), error: message };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Sinks
// ---------------------------------------------------------------------------------------------

async function postgresSink(config: NodeConfig<"postgres-sink">, ctx: ExecutorContext): Promise<NodeRuntime> {
  // A query that hangs (a stalled server or network) fails after a minute, so it counts against the
  // outage budget like a refused connection instead of holding the partition forever.
  const connection = await connectionSecret(ctx, config.connectionSecretId, POSTGRES_SCHEMES);
  const pool = new pg.Pool({
    connectionString: connection.url,
    max: 2,
    connectionTimeoutMillis: 5000,
    query_timeout: 60_000,
    application_name: "sluice-sink",
  });
  pool.on("error", (err) => ctx.log.warn(connectionErrorLog(err, connection), "postgres sink connection failed"));
  const mapper = createPostgresRowMapper(config);
  return {
    kind: "sink",
    async write(batch, c) {
      const { rows, errors } = mapper.map(batch, c);
      // Parameter count is capped at 65535 per statement.
      const perStatement = Math.max(1, Math.floor(60_000 / mapper.columns.length));
      for (const chunk of chunks(rows, perStatement)) {
        await pool.query(
          postgresWriteStatement(config, chunk.length),
          chunk.flatMap((row) => row.values),
        );
      }
      return { errors };
    },
    close: () => pool.end(),
  };
}

async function redisSink(config: NodeConfig<"redis-sink">, ctx: ExecutorContext): Promise<NodeRuntime> {
  const connection = await connectionSecret(ctx, config.connectionSecretId, REDIS_SCHEMES);
  const redis = new Redis(connection.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on("error", (err) => ctx.log.warn(connectionErrorLog(err, connection), "redis sink connection failed"));
  const mapper = createRedisCommandMapper(config);
  return {
    kind: "sink",
    async write(batch, c) {
      const { commands, errors } = mapper.map(batch, c);
      if (commands.length === 0) return { errors };
      const multi = redis.multi();
      for (const command of commands) {
        if (command.op === "hset") multi.hset(command.key, command.field, command.value);
        else if (command.op === "zadd") multi.zadd(command.key, command.score, command.member);
        else if (command.op === "incrby") multi.incrby(command.key, command.by);
        else multi.incrbyfloat(command.key, command.by);
        if (command.ttlSeconds) multi.expire(command.key, command.ttlSeconds);
      }
      const replies = await multi.exec();
      const failed = replies?.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      return { errors };
    },
    close: async () => void redis.disconnect(),
  };
}

async function webhookSink(config: NodeConfig<"webhook-sink">, ctx: ExecutorContext): Promise<NodeRuntime> {
  const url = new URL(config.url);
  const secret = config.signingSecretId ? await ctx.secret(config.signingSecretId) : undefined;
  const timeoutMs = durationMs(config.timeout);
  // Requests are spaced so the node stays under its rate across every process running the deployment
  // (each reserves the next slot of one schedule in Redis; the limiter keeps it locally while it cannot).
  const spacingMs = 1000 / config.rateLimitPerSecond;
  const local = { next: 0 };
  const reserve = ctx.sendSlot ?? (async (spacing: number) => reserveSlot(local, spacing, Date.now()));
  const slot = async () => {
    const wait = await reserve(spacingMs);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  // Resolves and checks the host on every new connection (no DNS rebinding between check and use).
  const client = createWebhookClient({ allowPrivate: config.allowPrivateAddresses });
  return {
    kind: "sink",
    async write(batch) {
      const errors: CoreResult["errors"] = [];
      // Once one event ran out of retries on a down endpoint, the rest of the batch is dead-lettered
      // at once: retrying each of them in turn would hold the partition for minutes per batch.
      let down: string | undefined;
      let refused: string | undefined;
      for (const event of batch) {
        if (refused) {
          errors.push({ event, error: { code: "webhook.refused", message: refused } });
          continue;
        }
        if (down) {
          errors.push({
            event,
            error: { code: "webhook.failed", message: `not sent: the endpoint was unavailable (${down})` },
          });
          continue;
        }
        const body = JSON.stringify(event);
        for (let attempt = 0; ; attempt++) {
          await slot();
          const headers: Record<string, string> = { "content-type": "application/json" };
          for (const header of config.headers) headers[header.name] = header.value;
          if (secret) headers["x-sluice-signature"] = webhookSignature(secret, Math.floor(Date.now() / 1000), body);
          let status = 0;
          try {
            status = await client.post(url, { body, headers, timeoutMs });
          } catch (error) {
            if (error instanceof WebhookRefused) {
              refused = error.message;
              errors.push({ event, error: { code: "webhook.refused", message: refused } });
              break;
            }
            // Network error or timeout: status stays 0, retried below.
          }
          if (status >= 200 && status < 300) break;
          const retryable = status === 0 || status === 429 || status >= 500;
          if (!retryable || attempt >= config.maxRetries) {
            errors.push({
              event,
              error: {
                code: retryable ? "webhook.failed" : "webhook.rejected",
                message: `webhook answered ${status || "no response"}`,
              },
            });
            if (retryable) down = `webhook answered ${status || "no response"}`;
            break;
          }
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 10_000)));
        }
      }
      return { errors };
    },
    close: async () => client.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Enrich lookups, cached for the node's cacheTtl
// ---------------------------------------------------------------------------------------------

async function enrichLookup(config: NodeConfig<"enrich">, ctx: ExecutorContext) {
  const ttlMs = durationMs(config.cacheTtl);
  const cache = new Map<string, { row: JsonObject | null; until: number }>();
  const source = config.lookup;
  const connection = await connectionSecret(
    ctx,
    source.connectionSecretId,
    source.kind === "redis" ? REDIS_SCHEMES : POSTGRES_SCHEMES,
  );
  let fetchRows: (keys: string[]) => Promise<Map<string, JsonObject | null>>;
  let close: () => Promise<void>;
  if (source.kind === "redis") {
    const redis = new Redis(connection.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    redis.on("error", (err) => ctx.log.warn(connectionErrorLog(err, connection), "enrich redis connection failed"));
    close = async () => void redis.disconnect();
    fetchRows = async (keys) => {
      const multi = redis.multi();
      for (const key of keys) multi.hgetall(source.keyPrefix + key);
      const replies = (await multi.exec()) ?? [];
      return new Map(
        keys.map((key, i) => {
          const hash = replies[i]?.[1] as Record<string, string> | undefined;
          return [key, hash && Object.keys(hash).length > 0 ? hash : null];
        }),
      );
    };
  } else {
    const pool = new pg.Pool({
      connectionString: connection.url,
      max: 2,
      connectionTimeoutMillis: 5000,
      query_timeout: 30_000,
    });
    pool.on("error", (err) => ctx.log.warn(connectionErrorLog(err, connection), "enrich postgres connection failed"));
    close = () => pool.end();
    const quote = (identifier: string) => `"${identifier}"`;
    const table = source.table.split(".").map(quote).join(".");
    // Identifiers are restricted to [A-Za-z0-9_] by the config schema; values are parameters.
    const statement = `SELECT ${quote(source.keyColumn)}::text AS "__key", ${source.columns.map(quote).join(", ")} FROM ${table} WHERE ${quote(source.keyColumn)}::text = ANY($1)`;
    fetchRows = async (keys) => {
      const result = await pool.query<JsonObject & { __key: string }>(statement, [keys]);
      const found = new Map<string, JsonObject | null>(keys.map((key) => [key, null]));
      for (const { __key, ...row } of result.rows) found.set(__key, row);
      return found;
    };
  }
  const lookup = async (keys: readonly string[]) => {
    const now = Date.now();
    const result = new Map<string, JsonObject | null>();
    const missing: string[] = [];
    for (const key of keys) {
      const hit = cache.get(key);
      if (hit && hit.until > now) result.set(key, hit.row);
      else missing.push(key);
    }
    if (missing.length > 0) {
      for (const [key, row] of await fetchRows(missing)) {
        cache.set(key, { row, until: now + ttlMs });
        result.set(key, row);
      }
    }
    if (cache.size > 100_000) cache.clear();
    return result;
  };
  return { lookup, close };
}
