// What a view reads: exactly the table or keys of the sink node that serves it, through that node's
// connection secret, read-only and bounded (one indexed query or one Redis command per request).
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { KEY_TEMPLATE_PLACEHOLDER, type NodeConfig } from "@sluice/shared";
import { HttpError } from "../http/respond";
import type { Logger } from "../log";

export type ViewSink =
  | { type: "postgres-sink"; config: NodeConfig<"postgres-sink"> }
  | { type: "redis-sink"; config: NodeConfig<"redis-sink"> };

/** A reader answers one request's query parameters with the JSON body (without `view`), or throws an HttpError. */
export type ViewReader = { read(params: URLSearchParams): Promise<Record<string, unknown>>; close(): Promise<void> };

/** Rows per Postgres view answer (?limit). */
const MAX_ROWS = 100;
/** Members per sorted-set answer (?top). */
const MAX_TOP = 1000;
/** A view query that takes longer answers 503: the page waiting on it should not hang. */
const QUERY_TIMEOUT_MS = 2000;

const POSTGRES_SCHEMES = ["postgres:", "postgresql:"];
const REDIS_SCHEMES = ["redis:", "rediss:"];

const unavailable = () =>
  new HttpError(503, "unavailable", "the view's store cannot be read right now; retry shortly", { "retry-after": "1" });
const badParam = (message: string) => new HttpError(400, "bad_request", message);

export function createViewReader(sink: ViewSink, url: string, log: Logger): ViewReader {
  const protocol = URL.canParse(url) ? new URL(url).protocol : "";
  if (!(sink.type === "postgres-sink" ? POSTGRES_SCHEMES : REDIS_SCHEMES).includes(protocol)) {
    throw new Error(
      `the view's connection secret is not a ${sink.type === "postgres-sink" ? "postgres" : "redis"} URL`,
    );
  }
  return sink.type === "postgres-sink" ? postgresReader(sink.config, url, log) : redisReader(sink.config, url, log);
}

function only(params: URLSearchParams, allowed: string[]): void {
  for (const name of params.keys()) {
    if (!allowed.includes(name))
      throw badParam(
        `unknown query parameter "${name}"; this view takes ${allowed.map((a) => `"${a}"`).join(", ") || "none"}`,
      );
  }
}

function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,7}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw badParam(`${name} must be an integer from 1 to ${max}`);
  return Number(raw);
}

function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === "") throw badParam(`the query parameter "${name}" is required`);
  if (value.length > 512) throw badParam(`${name} is longer than 512 characters`);
  return value;
}

// int8 comes back as a string from pg (it may not fit a double): a number when it does fit, which
// is every count a window produces.
const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      };
    }
    return pg.types.getTypeParser(oid, format);
  },
};

function postgresReader(config: NodeConfig<"postgres-sink">, url: string, log: Logger): ViewReader {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    connectionTimeoutMillis: QUERY_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: "sluice-view",
    types,
  });
  pool.on("error", (err) => log.warn({ code: (err as NodeJS.ErrnoException).code }, "view postgres connection failed"));
  const quote = (identifier: string) => `"${identifier}"`;
  const table = config.table.split(".").map(quote).join(".");
  const keyColumn = config.viewKeyColumn ?? config.keyColumns[0]!;
  const order = config.viewOrderColumn ? ` ORDER BY ${quote(config.viewOrderColumn)} DESC` : "";
  // Exactly the columns the sink writes; identifiers are [A-Za-z0-9_] (config schema), values are
  // parameters. The key parameter is untyped, so Postgres reads it as the key column's type and its index applies.
  const statement = `SELECT ${config.columns.map((c) => quote(c.column)).join(", ")} FROM ${table} WHERE ${quote(keyColumn)} = $1${order} LIMIT $2`;
  const statementName = `sluice-view-${createHash("sha256").update(statement).digest("hex").slice(0, 16)}`;
  return {
    async read(params) {
      only(params, ["key", "limit"]);
      const key = requiredParam(params, "key");
      const limit = intParam(params, "limit", 1, MAX_ROWS);
      let rows: Record<string, unknown>[];
      try {
        // Named: each connection parses and plans the statement once.
        rows = (await pool.query({ name: statementName, text: statement, values: [key, limit] })).rows as Record<
          string,
          unknown
        >[];
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 22xxx: the key is not a value of the column's type (e.g. "abc" for an integer column).
        if (typeof code === "string" && code.startsWith("22"))
          throw badParam(`key is not a valid value for the view's key column "${keyColumn}"`);
        log.warn({ code, error: (error as Error).message, table: config.table }, "view query failed");
        throw unavailable();
      }
      if (rows.length === 0) throw new HttpError(404, "not_found", "no rows for this key");
      return { key, rows };
    },
    close: () => pool.end(),
  };
}

function redisReader(config: NodeConfig<"redis-sink">, url: string, log: Logger): ViewReader {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    commandTimeout: QUERY_TIMEOUT_MS,
    enableOfflineQueue: true,
  });
  redis.on("error", (err: NodeJS.ErrnoException) => log.warn({ code: err.code }, "view redis connection failed"));
  const placeholders = [...new Set([...config.keyTemplate.matchAll(KEY_TEMPLATE_PLACEHOLDER)].map((m) => m[1]!))];
  const modeParams = config.mode === "hash" ? ["field"] : config.mode === "sorted-set" ? ["top"] : [];
  const keyParams = placeholders.length === 1 ? ["key", placeholders[0]!] : placeholders;

  /** The Redis key for the request: the sink's template with its placeholders filled from the query. */
  function redisKey(params: URLSearchParams): { redisKey: string; key: unknown } {
    if (placeholders.length === 0) return { redisKey: config.keyTemplate, key: null };
    if (placeholders.length === 1) {
      const name = placeholders[0]!;
      if (params.has("key") && params.has(name)) throw badParam(`pass either "key" or "${name}", not both`);
      const value = requiredParam(params, params.has(name) ? name : "key");
      return { redisKey: config.keyTemplate.replace(KEY_TEMPLATE_PLACEHOLDER, () => value), key: value };
    }
    const values = Object.fromEntries(placeholders.map((name) => [name, requiredParam(params, name)]));
    return {
      redisKey: config.keyTemplate.replace(KEY_TEMPLATE_PLACEHOLDER, (_m, name: string) => values[name]!),
      key: values,
    };
  }

  const run = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      log.warn({ code: (error as NodeJS.ErrnoException).code }, "view redis read failed");
      throw unavailable();
    }
  };
  const notFound = () => new HttpError(404, "not_found", "nothing stored for this key");

  return {
    async read(params) {
      only(params, [...keyParams, ...modeParams]);
      const { redisKey: target, key } = redisKey(params);
      if (config.mode === "counter") {
        const value = await run(() => redis.get(target));
        if (value === null) throw notFound();
        return { key, value: Number(value) };
      }
      if (config.mode === "sorted-set") {
        const top = intParam(params, "top", 10, MAX_TOP);
        const flat = await run(() => redis.zrevrange(target, 0, top - 1, "WITHSCORES"));
        if (flat.length === 0) throw notFound();
        const members: { member: string; score: number }[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i]!, score: Number(flat[i + 1]) });
        return { key, top: members };
      }
      const field = params.get("field");
      if (field !== null) {
        const value = await run(() => redis.hget(target, field));
        if (value === null) throw notFound();
        return { key, field, value: fromStored(value) };
      }
      const hash = await run(() => redis.hgetall(target));
      if (Object.keys(hash).length === 0) throw notFound();
      return { key, fields: Object.fromEntries(Object.entries(hash).map(([f, v]) => [f, fromStored(v)])) };
    },
    close: async () => void redis.disconnect(),
  };
}

/** The sink stores hash values as JSON unless they are strings: what parses as JSON comes back parsed. */
function fromStored(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
