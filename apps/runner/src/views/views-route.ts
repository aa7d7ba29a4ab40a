// GET /v1/views/:view: apps read what pipelines maintain (latest window results in a postgres-sink
// table, counters, hashes and leaderboards of a redis-sink) with a read-scoped API key. A view is a
// sink node with a view name in a deployment running here; the key's workspace decides which views
// exist, so another workspace's view is simply 404. Read keys are server keys: browser requests
// (with an Origin header) are refused, so a key is never embedded in a page.
import type { Redis } from "ioredis";
import { hashToken, type PrismaClient } from "@sluice/db";
import { API_KEY_REVOKED_CHANNEL, type Plan } from "@sluice/shared";
import { HttpError, sendJson } from "../http/respond";
import type { Route } from "../http/router";
import type { Logger } from "../log";
import { createViewReader, type ViewReader, type ViewSink } from "./view-readers";

/** Published by the web app with the revoked key's hash (the same channel ingest listens on). */
const KEY_CACHE_MS = 5000;
const LAST_USED_EVERY_MS = 60_000;
/** slk_/slr_/slp_ + 43 base64url characters: anything else is refused without a query. */
const TOKEN_SHAPE = /^sl[krp]_[A-Za-z0-9_-]{43}$/;

export type ViewSettings = {
  /** Requests per second per read API key and runner process (token bucket, burst of one second); 0 = no limit (RUNNER_VIEW_RATE_PER_KEY). */
  ratePerKey: number;
};

/** A running deployment as views see it. */
export type ViewDeployment = { deploymentId: string; workspaceId: string; pipelineId: string; plan: Plan };

type KeyRow = {
  id: string;
  workspaceId: string;
  pipelineId: string | null;
  scope: "ingest" | "read";
  revokedAt: Date | null;
};
type View = { id: string; workspaceId: string; pipelineId: string; sink: ViewSink };

export type Views = { routes: Route[]; start(): Promise<void>; close(): Promise<void> };

const unauthorized = () =>
  new HttpError(401, "unauthorized", "missing, unknown or revoked API key", { "www-authenticate": "ApiKey" });

export function createViews(deps: {
  prisma: PrismaClient;
  /** Subscribed to API key revocations (ingest subscribes it to the channel). */
  subscriber: Redis;
  running(): ViewDeployment[];
  /** False until the engine's first reconcile pass completed: an unknown view may be a deployment not started yet. */
  ready(): boolean;
  secret(workspaceId: string, secretId: string): Promise<string>;
  settings: ViewSettings;
  log: Logger;
}): Views {
  const settings = deps.settings;
  const log = deps.log.child({ module: "views" });
  // By token hash. Unknown hashes are cached too (as null), so repeating a made-up key costs no query.
  const keys = new Map<string, { row: Promise<KeyRow | null>; until: number }>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const lastUsed = new Map<string, number>();
  /** `${workspaceId}\n${viewName}` -> the view; rebuilt when the set of running deployments changes. */
  let index = new Map<string, View>();
  let indexed = "";
  const readers = new Map<string, Promise<ViewReader>>();

  function keyByHash(hash: string): Promise<KeyRow | null> {
    const now = Date.now();
    const hit = keys.get(hash);
    if (hit && hit.until > now) return hit.row;
    const row = deps.prisma.apiKey.findUnique({
      where: { hash },
      select: { id: true, workspaceId: true, pipelineId: true, scope: true, revokedAt: true },
    });
    if (keys.size > 10_000) keys.clear();
    keys.set(hash, { row, until: now + KEY_CACHE_MS });
    row.catch(() => keys.delete(hash));
    return row;
  }

  function viewIndex(): Map<string, View> {
    const running = deps.running();
    const signature = running
      .map((d) => d.deploymentId)
      .sort()
      .join(",");
    if (signature === indexed) return index;
    const next = new Map<string, View>();
    for (const d of running) {
      for (const node of d.plan.stages.flatMap((s) => s.nodes)) {
        if (node.type !== "postgres-sink" && node.type !== "redis-sink") continue;
        const viewName = (node.config as { viewName?: string }).viewName;
        if (viewName === undefined) continue;
        next.set(`${d.workspaceId}\n${viewName}`, {
          id: `${d.deploymentId}:${node.id}`,
          workspaceId: d.workspaceId,
          pipelineId: d.pipelineId,
          sink: { type: node.type, config: node.config } as ViewSink,
        });
      }
    }
    // Connections of views whose deployment stopped are closed.
    const live = new Set([...next.values()].map((v) => v.id));
    for (const [id, reader] of readers) {
      if (live.has(id)) continue;
      readers.delete(id);
      void reader.then((r) => r.close()).catch(() => undefined);
    }
    index = next;
    indexed = signature;
    return index;
  }

  function readerFor(view: View): Promise<ViewReader> {
    let reader = readers.get(view.id);
    if (!reader) {
      const secretId = view.sink.config.connectionSecretId;
      reader = deps
        .secret(view.workspaceId, secretId)
        .then((url) => createViewReader(view.sink, url, log.child({ view: view.id })));
      reader.catch((err: unknown) => {
        readers.delete(view.id);
        log.warn({ view: view.id, error: (err as Error).message }, "view connection unavailable");
      });
      readers.set(view.id, reader);
    }
    return reader;
  }

  function throttle(keyId: string): number | undefined {
    const rate = settings.ratePerKey;
    if (rate <= 0) return undefined;
    const now = Date.now();
    const bucket = buckets.get(keyId) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (buckets.size > 10_000) buckets.clear();
    buckets.set(keyId, bucket);
    if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
    bucket.tokens -= 1;
    return undefined;
  }

  function touch(keyId: string) {
    const now = Date.now();
    if (now - (lastUsed.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
    lastUsed.set(keyId, now);
    void deps.prisma.apiKey
      .update({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } })
      .catch((err: unknown) => log.warn({ err }, "lastUsedAt update failed"));
  }

  const route: Route = {
    method: "GET",
    path: "/v1/views/:view",
    async handler({ req, res, url, params }) {
      if (req.headers.origin !== undefined)
        throw new HttpError(
          403,
          "forbidden_origin",
          "read API keys are server keys: call views from your server, not from a browser",
        );
      const header = req.headers["x-api-key"];
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const token = (Array.isArray(header) ? header[0] : header) ?? bearer;
      if (url.searchParams.has("api_key") || url.searchParams.has("apiKey"))
        throw new HttpError(400, "key_in_url", "send the API key in the x-api-key header, never in the URL");
      if (!token || !TOKEN_SHAPE.test(token)) throw unauthorized();
      const key = await keyByHash(hashToken(token)).catch((err: unknown) => {
        log.warn({ err }, "API key lookup failed");
        throw new HttpError(503, "unavailable", "cannot check API keys right now; retry shortly", {
          "retry-after": "1",
        });
      });
      if (!key || key.revokedAt !== null) throw unauthorized();
      if (key.scope !== "read")
        throw new HttpError(403, "wrong_scope", "this is an ingest key; views need a read API key");
      touch(key.id);
      const wait = throttle(key.id);
      if (wait !== undefined)
        throw new HttpError(
          429,
          "rate_limited",
          `more than ${settings.ratePerKey} requests per second with this API key; retry in ${wait} s`,
          { "retry-after": String(wait) },
        );

      const viewName = params["view"] ?? "";
      const view = viewIndex().get(`${key.workspaceId}\n${viewName}`);
      // A pipeline-scoped key reads only that pipeline's views; others look like they do not exist.
      if (!view || (key.pipelineId !== null && key.pipelineId !== view.pipelineId)) {
        if (!deps.ready())
          throw new HttpError(
            503,
            "starting",
            "the runner is starting and does not know this view yet; retry shortly",
            { "retry-after": "1" },
          );
        throw new HttpError(404, "not_found", `no view "${viewName}" in this workspace's running pipelines`);
      }
      const reader = await readerFor(view).catch(() => {
        throw new HttpError(503, "unavailable", "the view's store cannot be reached; retry shortly", {
          "retry-after": "1",
        });
      });
      const body = await reader.read(url.searchParams);
      sendJson(res, 200, { view: viewName, ...body });
    },
  };

  return {
    routes: [route],
    async start() {
      deps.subscriber.on("message", (channel: string, message: string) => {
        if (channel === API_KEY_REVOKED_CHANNEL) keys.delete(message);
      });
    },
    async close() {
      const open = [...readers.values()];
      readers.clear();
      await Promise.allSettled(open.map(async (reader) => (await reader).close()));
    },
  };
}
