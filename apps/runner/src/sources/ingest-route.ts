// POST /v1/ingest/:key: authenticates the API key, normalises each event with the shared envelope
// rules, and answers 202 only after Kafka acknowledged every accepted event (and the dead-letter
// records of the rejected ones). A malformed body writes nothing. When any stage of the pipeline falls
// behind past the threshold, clients get 429 with Retry-After instead of growing the backlog.
// A path key no running pipeline uses gets the same 401 as a wrong API key (so path keys cannot be
// probed), or 503 + Retry-After while the engine's first reconcile pass has not completed (a
// restarted runner that has not started its deployments yet). Before a 401 for an unknown path, the
// process catches up with Postgres once (control/catch-up.ts): a deploy it has not seen yet is found.
import { randomUUID, timingSafeEqual } from "node:crypto";
import { hashToken } from "@sluice/db/security";
import type { KafkaProducer, OutgoingMessage } from "@sluice/kafka";
import {
  defaultPartitionKey,
  encodeDeadLetterHeaders,
  type EventRecord,
  type EventTimeWindow,
  normalizeIngestPayload,
} from "@sluice/shared";
import type { Logger } from "../log";
import type { EngineMetrics } from "../observe/engine-metrics";
import type { Plan } from "@sluice/shared";
import { HttpError, notStartedYet, sendJson } from "../http/respond";
import type { ApiKeys, IngestKey } from "../services/api-keys";
import { tapOutputs } from "../observe/tap";
import { browserAccess, preflight } from "./browser-access";
import { sdkBundleRoute } from "./sdk-bundle-route";
import type { Route } from "../http/router";

/** Largest body any ingest node accepts (its own maxBodyBytes is checked after reading). */
const MAX_BODY_BYTES = 10_000_000;

export type IngestSettings = {
  /** Requests per second per API key, across every runner and engine process (token bucket, burst of one second); 0 = no limit. Default 2000. */
  ratePerKey: number;
  /** Event times accepted relative to the receive time; others are rejected per event. Default 2000-01-01 … now + 1 day. */
  eventTimeWindow: EventTimeWindow;
};

type IngestTarget = {
  workspaceId: string;
  pipelineId: string;
  entry: Plan["ingest"][number];
  keyFor(topic: string, event: EventRecord): string | null;
};

export type Ingest = { routes: Route[] };

const unauthorized = () =>
  new HttpError(401, "unauthorized", "unknown endpoint, or missing, unknown or revoked API key for it", {
    "www-authenticate": "ApiKey",
  });

export function createIngest(deps: {
  /** Accepted keys: an endpoint accepts exactly the ingest key its http-ingest node names. */
  apiKeys: ApiKeys;
  producer: KafkaProducer;
  /** Running ingest endpoints with this path key (one per workspace at most). */
  targets(pathKey: string): IngestTarget[];
  /**
   * Whether an unknown path key appears after a fresh reconcile pass (a deploy not seen here yet);
   * "pending" until the engine's first pass completed, or while the pass still runs.
   */
  catchUp(found: () => boolean): Promise<"found" | "absent" | "pending">;
  lagOf(topic: string): number;
  lagThreshold: number;
  settings: IngestSettings;
  metrics: EngineMetrics;
  log: Logger;
}): Ingest {
  const { settings } = deps;
  const { apiKeys } = deps;
  const throttle = apiKeys.rateLimit("ingest", settings.ratePerKey);

  /** The candidate whose named key the token is (same workspace; a pipeline-scoped key only for its pipeline). */
  async function authenticate(
    candidates: IngestTarget[],
    token: string | undefined,
  ): Promise<{ key: IngestKey; target: IngestTarget } | undefined> {
    // Hashed even when nothing can match, so an unknown path answers like a wrong key.
    const hash = Buffer.from(hashToken(token ?? ""), "hex");
    for (const target of candidates) {
      const key = await apiKeys.ingestKey(target.entry.config.apiKeyId);
      if (
        !token ||
        !key ||
        key.workspaceId !== target.workspaceId ||
        (key.pipelineId !== null && key.pipelineId !== target.pipelineId)
      )
        continue;
      const stored = Buffer.from(key.hash, "hex");
      if (stored.length === hash.length && timingSafeEqual(stored, hash)) return { key, target };
    }
    return undefined;
  }

  /** CORS preflight: allowed for an origin that a publishable key of one of the path's endpoints lists. */
  const preflightRoute: Route = {
    method: "OPTIONS",
    path: "/v1/ingest/:key",
    async handler({ req, res, params }) {
      const candidates = deps.targets(params["key"] ?? "");
      const keys = await Promise.all(
        candidates.map((c) =>
          apiKeys.ingestKey(c.entry.config.apiKeyId).then((key) => (key?.workspaceId === c.workspaceId ? key : null)),
        ),
      );
      const requested = req.headers["access-control-request-headers"];
      const decision = preflight(
        req.headers.origin,
        keys.filter((key) => key !== null),
        Array.isArray(requested) ? requested.join(",") : requested,
      );
      if (!decision.ok) throw new HttpError(403, "forbidden_origin", decision.message);
      res.writeHead(204, decision.headers);
      res.end();
    },
  };

  const route: Route = {
    method: "POST",
    path: "/v1/ingest/:key",
    maxBodyBytes: MAX_BODY_BYTES,
    async handler({ req, res, url, params, body }) {
      const origin = req.headers.origin;
      // Every answer to a browser is readable by the page (refusals and Retry-After included), so the
      // SDK can tell "refused" from "retry later"; whether events are accepted is decided by the key.
      if (origin !== undefined) {
        res.setHeader("access-control-allow-origin", origin);
        res.setHeader("access-control-expose-headers", "retry-after");
        res.setHeader("vary", "Origin");
      }
      const pathKey = params["key"] ?? "";
      let candidates = deps.targets(pathKey);
      if (candidates.length === 0) {
        // A restarted runner has not started its deployments yet, and a deploy another process already
        // runs may not have reached this one: a 401 would tell clients to give up.
        const answer = await deps.catchUp(() => deps.targets(pathKey).length > 0);
        if (answer === "pending") throw notStartedYet("path");
        candidates = deps.targets(pathKey);
      }
      const header = req.headers["x-api-key"];
      // Beacons cannot carry headers: a publishable key may come in the query string instead.
      const queryKey = url.searchParams.get("key") ?? undefined;
      // The endpoint accepts exactly the API key its http-ingest node names (same workspace, and if
      // the key is pipeline-scoped, this pipeline). An unknown path gets the same answer.
      const authenticated = await authenticate(candidates, (Array.isArray(header) ? header[0] : header) ?? queryKey);
      if (!authenticated) throw unauthorized();
      const { key, target } = authenticated;
      if (queryKey !== undefined && !key.publishable)
        throw new HttpError(
          400,
          "key_in_url",
          "only publishable keys may be passed in the URL; send server keys in the x-api-key header",
        );
      const access = browserAccess(origin, key);
      if (!access.ok) throw new HttpError(403, "forbidden_origin", access.message);
      apiKeys.touch(key.id);
      await throttle(key);

      const { entry } = target;
      const lag = deps.lagOf(entry.topic);
      if (lag > deps.lagThreshold) {
        throw new HttpError(429, "backpressure", `pipeline is ${lag} events behind; retry later`, {
          "retry-after": "5",
        });
      }

      const raw = await body();
      if (raw.length > entry.config.maxBodyBytes)
        throw new HttpError(413, "payload_too_large", `request body exceeds ${entry.config.maxBodyBytes} bytes`);
      const text = decodeUtf8(raw);
      if (text === undefined) throw new HttpError(400, "malformed_body", "body is not valid UTF-8");
      const parsed = parseBody(text);
      if (!parsed.ok) throw new HttpError(400, "malformed_body", parsed.reason);
      const receivedAt = Date.now();
      const result = normalizeIngestPayload(parsed.value, entry.config, {
        receivedAt,
        newId: randomUUID,
        eventTimeWindow: settings.eventTimeWindow,
        ...(req.socket.remoteAddress ? { clientIp: req.socket.remoteAddress } : {}),
        ...(typeof req.headers["user-agent"] === "string" ? { userAgent: req.headers["user-agent"] } : {}),
      });
      if (!result.ok)
        throw new HttpError(
          result.status,
          result.status === 400 ? "malformed_body" : "payload_too_large",
          result.message,
        );

      const failedAt = new Date(receivedAt).toISOString();
      const { topic } = entry;
      const messages: OutgoingMessage[] = new Array<OutgoingMessage>(result.accepted.length);
      for (let i = 0; i < messages.length; i++) {
        const event = result.accepted[i]!;
        messages[i] = { topic, key: target.keyFor(topic, event), value: JSON.stringify(event) };
      }
      for (const rejection of result.rejected) {
        messages.push({
          topic: entry.dlq,
          key: defaultPartitionKey(rejection.event),
          value: JSON.stringify(rejection.event),
          headers: encodeDeadLetterHeaders({
            version: "v1",
            errorCode: "schema.invalid",
            errorMessage: rejection.issues
              .map((i) => `${i.path}: ${i.message}`)
              .join("; ")
              .slice(0, 1000),
            pipelineId: target.pipelineId,
            nodeId: entry.nodeId,
            attempt: 1,
            failedAt,
          }),
        });
      }
      // Acknowledged by Kafka (acks=all) before we say "accepted".
      if (messages.length > 0) {
        await deps.producer.send(messages).catch((err: unknown) => {
          deps.log.warn({ err, pipeline: target.pipelineId }, "ingest could not write to Kafka");
          throw new HttpError(
            503,
            "unavailable",
            "events could not be stored right now; nothing was accepted, retry shortly",
            { "retry-after": "1" },
          );
        });
      }
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
        errors: result.rejected.map((r) => ({
          index: r.index,
          message: r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "),
        })),
      });
    },
  };

  return { routes: [route, preflightRoute, sdkBundleRoute()] };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text, or undefined when it is not valid UTF-8 (decoding would silently replace bytes). */
function decodeUtf8(raw: Buffer): string | undefined {
  try {
    return utf8.decode(raw);
  } catch {
    return undefined;
  }
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
