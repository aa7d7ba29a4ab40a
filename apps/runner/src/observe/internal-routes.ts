// The runner's internal routes (RUNNER_INTERNAL_PORT): health and metrics. The public listener serves
// the ingest and views modules (POST /v1/ingest/:key, GET /v1/views/:view).
import { checkHealth } from "./health";
import type { RunnerMetrics } from "./metrics";
import type { Probe } from "../services/probes";
import { sendJson } from "../http/respond";
import type { Route } from "../http/router";

export function runnerRoutes(deps: { probes: Probe[]; metrics: RunnerMetrics }): Route[] {
  return [
    {
      method: "GET",
      path: "/healthz",
      // 503 when degraded, so a load balancer or orchestrator routes around this runner.
      async handler({ res }) {
        const report = await checkHealth(deps.probes);
        sendJson(res, report.status === "ok" ? 200 : 503, report);
      },
    },
    {
      method: "GET",
      path: "/metrics",
      async handler({ res }) {
        const body = await deps.metrics.registry.metrics();
        res.writeHead(200, { "content-type": deps.metrics.registry.contentType, "cache-control": "no-store" });
        res.end(body);
      },
    },
  ];
}
