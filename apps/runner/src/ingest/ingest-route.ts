// POST /v1/ingest/:key: authenticates the API key, normalises each event with the shared envelope
// rules, and answers 202 only after Kafka acknowledged every accepted event (and the dead-letter
// records of the rejected ones). A malformed body writes nothing. When the first topic's consumers
// fall behind past the threshold, clients get 429 with Retry-After instead of growing the backlog.
// A path key no running pipeline uses gets 404, or 503 + Retry-After while the engine's first
// reconcile pass has not completed (a restarted runner that has not started its deployments yet).
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { hashToken, type PrismaClient } from "@sluice/db";
import type { KafkaProducer, OutgoingMessage } from "@sluice/kafka";
import { defaultPartitionKey, encodeDeadLetterHeaders, type EventRecord, normalizeIngestPayload } from "@sluice/shared";
import type { Logger } from "../log";
import type { EngineMetrics } from "../engine/engine-metrics";
import type { Plan } from "@sluice/shared";
import { HttpError, sendJson } from "../http/respond";
import { tapOutputs } from "../monitoring/tap";
import type { Route } from "../http/router";

export const API_KEY_REVOKED_CHANNEL = "sluice:apikey:revoked";

/** Largest body any ingest node accepts (its own maxBodyBytes is checked after reading). */
const MAX_BODY_BYTES = 10_000_000;
const KEY_CACHE_MS = 1000;
const LAST_USED_EVERY_MS = 60_000;

type KeyRow = { id: string; workspaceId: string; pipelineId: string | null };
type IngestTarget = { workspaceId: string; pipelineId: string; entry: Plan["ingest"][number]; keyFor(topic: string, event: EventRecord): string | null };

export type Ingest = { routes: Route[]; start(): Promise<void> };

export function createIngest(deps: {
  prisma: PrismaClient;
  producer: KafkaProducer;
  /** Subscribed to API key revocations; the ingest module owns its message handler. */
  subscriber: Redis;
  /** Running ingest endpoints with this path key (one per workspace at most). */
  targets(pathKey: string): IngestTarget[];
  /** False until the engine's first reconcile pass completed: an unknown path key may be a deployment not started yet. */
  ready(): boolean;
  lagOf(topic: string): number;
  lagThreshold: number;
  metrics: EngineMetrics;
  log: Logger;
}): Ingest {
  const cache = new Map<string, { row: KeyRow | null; until: number }>();
  const lastUsed = new Map<string, number>();

  async function lookupKey(token: string): Promise<KeyRow | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const hit = cache.get(hash);
    if (hit && hit.until > now) return hit.row;
    const row = await deps.prisma.apiKey.findFirst({ where: { hash, revokedAt: null }, select: { id: true, workspaceId: true, pipelineId: true } });
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { row, until: now + KEY_CACHE_MS });
    return row;
  }

  function touch(keyId: string) {
    const now = Date.now();
    if (now - (lastUsed.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
    lastUsed.set(keyId, now);
    void deps.prisma.apiKey.update({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } }).catch((err: unknown) => deps.log.warn({ err }, "lastUsedAt update failed"));
  }

  const route: Route = {
    method: "POST",
    path: "/v1/ingest/:key",
    maxBodyBytes: MAX_BODY_BYTES,
    async handler({ req, res, params, body }) {
      const candidates = deps.targets(params["key"] ?? "");
      if (candidates.length === 0) {
        // A restarted runner has not started its deployments yet: a 404 would tell clients to give up.
        if (!deps.ready()) throw new HttpError(503, "starting", "the runner is starting and does not know this path yet; retry shortly", { "retry-after": "1" });
        throw new HttpError(404, "not_found", "no running pipeline receives events at this path");
      }
      const header = req.headers["x-api-key"];
      const token = Array.isArray(header) ? header[0] : header;
      const key = token ? await lookupKey(token) : null;
      // The endpoint accepts exactly the API key its http-ingest node names (same workspace, and if
      // the key is pipeline-scoped, this pipeline).
      const target =
        key && candidates.find((c) => c.workspaceId === key.workspaceId && c.entry.config.apiKeyId === key.id && (key.pipelineId === null || key.pipelineId === c.pipelineId));
      if (!key || !target) throw new HttpError(401, "unauthorized", "missing, unknown or revoked API key for this endpoint", { "www-authenticate": "ApiKey" });
      touch(key.id);

      const { entry } = target;
      const lag = deps.lagOf(entry.topic);
      if (lag > deps.lagThreshold) {
        throw new HttpError(429, "backpressure", `pipeline is ${lag} events behind; retry later`, { "retry-after": "5" });
      }

      const raw = await body();
      if (raw.length > entry.config.maxBodyBytes) throw new HttpError(413, "payload_too_large", `request body exceeds ${entry.config.maxBodyBytes} bytes`);
      const parsed = parseBody(raw.toString("utf8"));
      if (!parsed.ok) throw new HttpError(400, "malformed_body", parsed.reason);
      const receivedAt = Date.now();
      const result = normalizeIngestPayload(parsed.value, entry.config, {
        receivedAt,
        newId: randomUUID,
        ...(req.socket.remoteAddress ? { clientIp: req.socket.remoteAddress } : {}),
        ...(typeof req.headers["user-agent"] === "string" ? { userAgent: req.headers["user-agent"] } : {}),
      });
      if (!result.ok) throw new HttpError(result.status, result.status === 400 ? "malformed_body" : "payload_too_large", result.message);

      const failedAt = new Date(receivedAt).toISOString();
      const messages: OutgoingMessage[] = result.accepted.map((event) => ({ topic: entry.topic, key: target.keyFor(entry.topic, event), value: JSON.stringify(event) }));
      for (const rejection of result.rejected) {
        messages.push({
          topic: entry.dlq,
          key: defaultPartitionKey(rejection.event),
          value: JSON.stringify(rejection.event),
          headers: encodeDeadLetterHeaders({
            version: "v1",
            errorCode: "schema.invalid",
            errorMessage: rejection.issues.map((i) => `${i.path}: ${i.message}`).join("; ").slice(0, 1000),
            pipelineId: target.pipelineId,
            nodeId: entry.nodeId,
            attempt: 1,
            failedAt,
          }),
        });
      }
      // Acknowledged by Kafka (acks=all) before we say "accepted".
      if (messages.length > 0) await deps.producer.send(messages);
      tapOutputs(undefined, target.pipelineId, entry.nodeId, "out", result.accepted);
      const labels = { pipeline: target.pipelineId, node: entry.nodeId };
      deps.metrics.eventsOut.inc(labels, result.accepted.length);
      deps.metrics.errors.inc(labels, result.rejected.length);
      deps.metrics.dlq.inc(labels, result.rejected.length);
      // A source's "in" is what it received; "out" what it accepted.
      deps.metrics.stats.add(target.pipelineId, entry.nodeId, "in", result.accepted.length + result.rejected.length);
      deps.metrics.stats.add(target.pipelineId, entry.nodeId, "out", result.accepted.length);
      deps.metrics.stats.add(target.pipelineId, entry.nodeId, "err", result.rejected.length);
      deps.metrics.stats.add(target.pipelineId, entry.nodeId, "dlq", result.rejected.length);
      sendJson(res, 202, {
        accepted: result.accepted.length,
        rejected: result.rejected.length,
        errors: result.rejected.map((r) => ({ index: r.index, message: r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") })),
      });
    },
  };

  return {
    routes: [route],
    async start() {
      await deps.subscriber.subscribe(API_KEY_REVOKED_CHANNEL);
      deps.subscriber.on("message", (channel: string, hash: string) => {
        if (channel === API_KEY_REVOKED_CHANNEL) cache.delete(hash.trim());
      });
    },
  };
}

/** A JSON document (array, object, `{ batch }`) or NDJSON (one event per line). */
export function parseBody(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  // The common case parses the body as it came (JSON allows the surrounding whitespace); trimming
  // first would copy every body.
  if (!/\S/.test(text)) return { ok: false, reason: "empty body" };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    // Not plain JSON (or wrapped in whitespace JSON does not allow): the trimmed text decides.
  }
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, reason: "empty body" };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch (error) {
    const lines = trimmed.split("\n").filter((line) => line.trim() !== "");
    if (lines.length < 2) return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
    const values: unknown[] = [];
    for (const [i, line] of lines.entries()) {
      try {
        values.push(JSON.parse(line) as unknown);
      } catch (lineError) {
        return { ok: false, reason: `NDJSON line ${i + 1} is not JSON: ${(lineError as Error).message}` };
      }
    }
    return { ok: true, value: values };
  }
}
