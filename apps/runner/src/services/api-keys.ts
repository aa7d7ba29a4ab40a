// The API keys the runner's HTTP endpoints accept, read from Postgres and cached briefly: ingest looks
// a key up by the id its http-ingest node names, views by the hash of the token a client sends. One
// resolver serves both, so caching, revocation, lastUsedAt and the per-key rate work the same way;
// each route keeps its own scope rules (which keys it accepts, from where).
import type { Redis } from "ioredis";
import { hashToken } from "@sluice/db/security";
import type { ControlDb, IngestKeyRow, TokenKeyRow } from "./control-db";
import { API_KEY_REVOKED_CHANNEL, apiKeyRateKey } from "@sluice/shared";
import { HttpError } from "../http/respond";
import type { Logger } from "../log";
import type { RateLimiter } from "./rate-limiter";

/** An ingest key as http-ingest endpoints check it (its hash is compared with the token's). */
export type IngestKey = IngestKeyRow;
/** The key a token is, whatever its scope and even when revoked: the caller decides what it may do. */
type TokenKey = TokenKeyRow;

/** What a rate limit counts by: the key, within its workspace. */
type RateLimitedKey = { id: string; workspaceId: string };

/** How long an ingest key looked up by id is reused. */
const INGEST_KEY_CACHE_MS = 1000;
/** How long a key looked up by token hash (or its absence) is reused. */
const TOKEN_KEY_CACHE_MS = 5000;
/** Beyond this many entries a cache starts over, so a flood of made-up keys cannot grow it. */
const MAX_ENTRIES = 10_000;
const LAST_USED_EVERY_MS = 60_000;

export type ApiKeys = {
  /** The non-revoked ingest key with this id, or null. Lookup failures are 503 + Retry-After. */
  ingestKey(id: string): Promise<IngestKey | null>;
  /** The key whose token this is, or null when none is. Lookup failures are 503 + Retry-After. */
  tokenKey(token: string): Promise<TokenKey | null>;
  /** Records that the key was used (lastUsedAt, written at most once a minute per key). */
  touch(keyId: string): void;
  /**
   * A per-key token bucket of `ratePerKey` requests per second on one endpoint kind (burst of one
   * second; 0 = no limit), shared by every runner and engine process through Redis (kept in this
   * process alone while Redis cannot answer): the returned check rejects with 429 + Retry-After for a
   * key over it.
   */
  rateLimit(endpoint: "ingest" | "views", ratePerKey: number): (key: RateLimitedKey) => Promise<void>;
  /** Subscribes to revocations: a revoked key is refused from the next request on. */
  start(): Promise<void>;
};

export function createApiKeys(deps: {
  db: ControlDb;
  /** Subscribed to API key revocations (the web app publishes the revoked key's hash). */
  subscriber: Redis;
  /** Counts requests per key across processes. */
  limiter: RateLimiter;
  log: Logger;
}): ApiKeys {
  // By id: only ids that running http-ingest nodes name, never what clients send, so the map stays
  // as small as the set of running endpoints.
  const byId = promiseCache<IngestKey | null>(INGEST_KEY_CACHE_MS);
  // By token hash: unknown hashes are cached too (as null), so repeating a made-up key costs no query.
  const byHash = promiseCache<TokenKey | null>(TOKEN_KEY_CACHE_MS);
  const lastUsed = new Map<string, number>();

  const unavailable = (err: unknown): never => {
    deps.log.warn({ err }, "API key lookup failed");
    throw new HttpError(503, "unavailable", "cannot check API keys right now; retry shortly", { "retry-after": "1" });
  };

  return {
    ingestKey: (id) => byId.get(id, () => deps.db.ingestKey(id)).catch(unavailable),
    tokenKey(token) {
      const hash = hashToken(token);
      return byHash.get(hash, () => deps.db.keyByHash(hash)).catch(unavailable);
    },
    touch(keyId) {
      const now = Date.now();
      if (now - (lastUsed.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
      lastUsed.set(keyId, now);
      void deps.db
        .touchKey(keyId, new Date(now))
        .catch((err: unknown) => deps.log.warn({ err }, "lastUsedAt update failed"));
    },
    rateLimit(endpoint, ratePerKey) {
      return async (key) => {
        if (ratePerKey <= 0) return;
        const wait = await deps.limiter.take(apiKeyRateKey(key.workspaceId, endpoint, key.id), ratePerKey);
        if (wait !== undefined)
          throw new HttpError(
            429,
            "rate_limited",
            `more than ${ratePerKey} requests per second with this API key; retry in ${wait} s`,
            { "retry-after": String(wait) },
          );
      };
    },
    async start() {
      await deps.subscriber.subscribe(API_KEY_REVOKED_CHANNEL);
      deps.subscriber.on("message", (channel: string, hash: string) => {
        if (channel !== API_KEY_REVOKED_CHANNEL) return;
        byHash.delete(hash);
        // Rare: dropping every entry is simpler than a hash index and costs one query per running key.
        byId.clear();
      });
    },
  };
}

/** A map of in-flight or recent lookups: concurrent requests share one query; a failed one is not kept. */
function promiseCache<T>(ttlMs: number) {
  const entries = new Map<string, { value: Promise<T>; until: number }>();
  return {
    get(key: string, load: () => Promise<T>): Promise<T> {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.until > now) return hit.value;
      const value = load();
      if (entries.size > MAX_ENTRIES) entries.clear();
      entries.set(key, { value, until: now + ttlMs });
      value.catch(() => entries.delete(key));
      return value;
    },
    delete: (key: string) => entries.delete(key),
    clear: () => entries.clear(),
  };
}
