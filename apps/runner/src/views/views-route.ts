// GET /v1/views/:view: apps read what pipelines maintain (latest window results in a postgres-sink
// table, counters, hashes and leaderboards of a redis-sink) with a read-scoped API key. A view is a
// sink node with a view name in a deployment running here; the key's workspace decides which views
// exist, so another workspace's view is simply 404. Read keys are server keys: browser requests
// (with an Origin header) are refused, so a key is never embedded in a page.
import type { Plan } from "@sluice/shared";
import { HttpError, notStartedYet, sendJson } from "../http/respond";
import type { ApiKeys } from "../services/api-keys";
import type { Route } from "../http/router";
import type { Logger } from "../log";
import { createViewReader, type ViewReader, type ViewSink } from "./view-readers";

/** slk_/slr_/slp_ + 43 base64url characters: anything else is refused without a query. */
const TOKEN_SHAPE = /^sl[krp]_[A-Za-z0-9_-]{43}$/;

export type ViewSettings = {
  /** Requests per second per read API key, across every runner and engine process (token bucket, burst of one second); 0 = no limit (RUNNER_VIEW_RATE_PER_KEY). */
  ratePerKey: number;
};

/** A running deployment as views see it. */
export type ViewDeployment = { deploymentId: string; workspaceId: string; pipelineId: string; plan: Plan };

type View = { id: string; workspaceId: string; pipelineId: string; sink: ViewSink };

export type Views = { routes: Route[]; close(): Promise<void> };

const unauthorized = () =>
  new HttpError(401, "unauthorized", "missing, unknown or revoked API key", { "www-authenticate": "ApiKey" });

export function createViews(deps: {
  /** Accepted keys: read-scoped keys of the view's workspace (and pipeline, for a pipeline-scoped key). */
  apiKeys: ApiKeys;
  running(): ViewDeployment[];
  /**
   * Whether an unknown view appears after a fresh reconcile pass (a deploy not seen here yet); "pending"
   * until the engine's first pass completed, or while the pass still runs.
   */
  catchUp(found: () => boolean): Promise<"found" | "absent" | "pending">;
  secret(workspaceId: string, secretId: string): Promise<string>;
  settings: ViewSettings;
  log: Logger;
}): Views {
  const settings = deps.settings;
  const log = deps.log.child({ module: "views" });
  const { apiKeys } = deps;
  const throttle = apiKeys.rateLimit("views", settings.ratePerKey);
  /** `${workspaceId}\n${viewName}` -> the view; rebuilt when the set of running deployments changes. */
  let index = new Map<string, View>();
  let indexed = "";
  const readers = new Map<string, Promise<ViewReader>>();

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
      const key = await apiKeys.tokenKey(token);
      if (!key || key.revokedAt !== null) throw unauthorized();
      if (key.scope !== "read")
        throw new HttpError(403, "wrong_scope", "this is an ingest key; views need a read API key");
      apiKeys.touch(key.id);
      await throttle(key);

      const viewName = params["view"] ?? "";
      // A pipeline-scoped key reads only that pipeline's views; others look like they do not exist.
      const visible = () => {
        const found = viewIndex().get(`${key.workspaceId}\n${viewName}`);
        return found && (key.pipelineId === null || key.pipelineId === found.pipelineId) ? found : undefined;
      };
      let view = visible();
      if (!view) {
        const answer = await deps.catchUp(() => visible() !== undefined);
        if (answer === "pending") throw notStartedYet("view");
        view = visible();
        if (!view) throw new HttpError(404, "not_found", `no view "${viewName}" in this workspace's running pipelines`);
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
    async close() {
      const open = [...readers.values()];
      readers.clear();
      await Promise.allSettled(open.map(async (reader) => (await reader).close()));
    },
  };
}
