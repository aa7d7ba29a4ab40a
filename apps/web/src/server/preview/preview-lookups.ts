import "server-only";
import { Redis } from "ioredis";
import pg from "pg";
import { openSecret, type PrismaClient } from "@sluice/db";
import { EnrichConfig, type EnrichLookupSource, type JsonObject, type PipelineGraph } from "@sluice/shared";

/**
 * Preview runs enrich nodes against their real lookup, read-only and bounded so a preview stays
 * within its 2 s deadline: Postgres in a READ ONLY transaction with a statement timeout, Redis with
 * HGETALL only and a command timeout, and at most PREVIEW_LOOKUP_LIMITS.keys distinct keys per node.
 * Lookups run on the main thread (the worker asks over its message port), so decrypted connection
 * strings never reach the worker; errors are reported with the secret's name, never its value.
 */
export const PREVIEW_LOOKUP_LIMITS = {
  /** Distinct keys looked up per enrich node and preview; the rest are answered with NOT_LOOKED_UP. */
  keys: 200,
  /** Connecting to the lookup's database. */
  connectMs: 800,
  /** One lookup statement or command. */
  queryMs: 500,
} as const;

/** The row given to keys past the limit: visible in the preview instead of a silent null. */
export const NOT_LOOKED_UP: JsonObject = {
  notLookedUp: `not looked up in preview (at most ${PREVIEW_LOOKUP_LIMITS.keys} distinct keys)`,
};

export type LookupRows = [string, JsonObject | null][];

export type PreviewLookups = {
  /** Per enrich node of the graph: null when its lookup can be used, otherwise why not. */
  nodes: Record<string, string | null>;
  /** Rows for `keys`; throws an Error whose message is safe to show ("Lookup unreachable: …"). */
  fetch(nodeId: string, keys: readonly string[]): Promise<LookupRows>;
  close(): Promise<void>;
};

type Source = { name: string; url: string; config: EnrichLookupSource; seen: Set<string>; client?: Promise<Reader> };
type Reader = { read(keys: string[]): Promise<LookupRows>; close(): Promise<void> };

const SCHEMES = { postgres: ["postgres:", "postgresql:"], redis: ["redis:", "rediss:"] } as const;

/** The lookups of a graph's enrich nodes, by the workspace's secrets. Connections open on first use; `close` ends them. */
export async function previewLookups(
  prisma: PrismaClient,
  workspaceId: string,
  graph: PipelineGraph,
  secretKey: string,
): Promise<PreviewLookups> {
  const nodes: Record<string, string | null> = {};
  const sources = new Map<string, Source>();
  for (const node of graph.nodes) {
    if (node.type !== "enrich") continue;
    const parsed = EnrichConfig.safeParse(node.config);
    // An invalid config is reported by runPreview itself.
    if (!parsed.success) continue;
    const lookup = parsed.data.lookup;
    const row = await prisma.secret.findFirst({
      where: { id: lookup.connectionSecretId, workspaceId },
      select: { name: true, ciphertext: true },
    });
    if (!row) {
      nodes[node.id] = `secret "${lookup.connectionSecretId}" not found in this workspace`;
      continue;
    }
    let url: string;
    try {
      url = openSecret(row.ciphertext, secretKey, workspaceId);
    } catch {
      nodes[node.id] = `secret "${row.name}" cannot be decrypted`;
      continue;
    }
    if (!(SCHEMES[lookup.kind] as readonly string[]).includes(protocolOf(url))) {
      nodes[node.id] =
        `secret "${row.name}" is not a ${SCHEMES[lookup.kind].map((s) => `${s}//`).join(" or ")} connection URL`;
      continue;
    }
    nodes[node.id] = null;
    sources.set(node.id, { name: row.name, url, config: lookup, seen: new Set() });
  }

  return {
    nodes,
    async fetch(nodeId, keys) {
      const source = sources.get(nodeId);
      if (!source) throw new Error("Lookup unavailable");
      const allowed: string[] = [];
      const over: LookupRows = [];
      for (const key of new Set(keys)) {
        if (source.seen.has(key) || source.seen.size < PREVIEW_LOOKUP_LIMITS.keys) {
          source.seen.add(key);
          allowed.push(key);
        } else over.push([key, NOT_LOOKED_UP]);
      }
      if (allowed.length === 0) return over;
      source.client ??= connect(source.config, source.url);
      let reader: Reader;
      try {
        reader = await source.client;
      } catch (error) {
        throw new Error(`Lookup unreachable: ${masked(error, source)}`, { cause: error });
      }
      try {
        return [...(await reader.read(allowed)), ...over];
      } catch (error) {
        throw new Error(`Lookup failed: ${masked(error, source)}`, { cause: error });
      }
    },
    async close() {
      await Promise.all(
        [...sources.values()].map(async (source) => {
          const reader = await source.client?.catch(() => undefined);
          await reader?.close().catch(() => undefined);
        }),
      );
    },
  };
}

async function connect(config: EnrichLookupSource, url: string): Promise<Reader> {
  if (config.kind === "redis") {
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: PREVIEW_LOOKUP_LIMITS.connectMs,
      commandTimeout: PREVIEW_LOOKUP_LIMITS.queryMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // One attempt: a preview reports an unreachable lookup instead of waiting for it.
      retryStrategy: () => null,
    });
    // Without retries, connect() fails with "Connection is closed."; the socket's error says why.
    let socketError: Error | undefined;
    redis.on("error", (error: Error) => {
      socketError ??= error;
    });
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw socketError ?? error;
    }
    return {
      async read(keys) {
        // Read commands only: HGETALL, as the runner's lookup.
        const pipeline = redis.pipeline();
        for (const key of keys) pipeline.hgetall(config.keyPrefix + key);
        const replies = (await pipeline.exec()) ?? [];
        return keys.map((key, i) => {
          const [error, hash] = replies[i] ?? [new Error("no reply"), undefined];
          if (error) throw error;
          const fields = hash as Record<string, string>;
          return [key, Object.keys(fields).length > 0 ? fields : null];
        });
      },
      close: async () => redis.disconnect(),
    };
  }
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PREVIEW_LOOKUP_LIMITS.connectMs,
    statement_timeout: PREVIEW_LOOKUP_LIMITS.queryMs,
    query_timeout: PREVIEW_LOOKUP_LIMITS.queryMs * 2,
  });
  client.on("error", () => {
    /* reported by the failing query */
  });
  await client.connect().catch(async (error: unknown) => {
    await client.end().catch(() => undefined);
    throw error;
  });
  const quote = (identifier: string) => `"${identifier}"`;
  const table = config.table.split(".").map(quote).join(".");
  // Identifiers are restricted to [A-Za-z0-9_] by the config schema; values are parameters. Same statement as the runner's lookup.
  const statement = `SELECT ${quote(config.keyColumn)}::text AS "__key", ${config.columns.map(quote).join(", ")} FROM ${table} WHERE ${quote(config.keyColumn)}::text = ANY($1)`;
  return {
    async read(keys) {
      const rows = await readOnlyQuery<JsonObject & { __key: string }>(client, statement, [keys]);
      const found = new Map<string, JsonObject | null>(keys.map((key) => [key, null]));
      for (const { __key, ...row } of rows) found.set(__key, row);
      return [...found];
    },
    close: () => client.end(),
  };
}

/** Runs one statement in a READ ONLY transaction: whatever the statement, Postgres refuses to write. */
export async function readOnlyQuery<R extends pg.QueryResultRow>(
  client: pg.Client,
  text: string,
  values: unknown[],
): Promise<R[]> {
  await client.query("BEGIN TRANSACTION READ ONLY");
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
  }
}

function protocolOf(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return "";
  }
}

/** An error's message with the connection string and its password replaced, named by the secret. */
function masked(error: unknown, source: Source): string {
  let message = error instanceof Error ? error.message : String(error);
  message = message.split(source.url).join(`<secret ${source.name}>`);
  const password = new URL(source.url).password;
  for (const value of new Set([password, safeDecode(password)]))
    if (value.length > 0) message = message.split(value).join("<password>");
  return message || ((error as NodeJS.ErrnoException).code ?? "unknown error");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
