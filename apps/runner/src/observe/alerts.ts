// Alert rules of the pipelines running in this process, evaluated every 2 s against the merged live
// snapshot of every runner (this process subscribes to metricsChannel of its pipelines, so the rates
// are the pipeline's, not one runner's share). A rule fires when its condition held continuously for
// forSeconds and resolves when it stops holding. Transitions are claimed with a compare-and-set on
// `sluice:alert:{ruleId}` (Lua), so with several runners exactly one records each transition: one
// AlertEvent row, one message on `sluice:alerts:{workspaceId}`, one webhook job (queue
// `alert-webhooks`, see queue/alert-deliveries.ts). The body is signed when the job is enqueued
// (by the process that holds SLUICE_SECRET_KEY for the workspace); the timestamp in the signature
// stays within receivers' usual 5-minute tolerance over the retries (1+2+4+8 s of backoff).
import type { Redis } from "ioredis";
import type { AlertEvent } from "@sluice/db";
import type { AlertRuleRow, ControlDb } from "../services/control-db";
import {
  alertsChannel,
  alertStateKey,
  AlertTransitionV1,
  encodeMessage,
  mergeSnapshots,
  metricsChannel,
  MetricsSnapshotV1,
  webhookSignature,
} from "@sluice/shared";
import type { RunningDeployments } from "./running";
import type { Logger } from "../log";
import { type AlertWebhookJob, DeliveryRefused, startAlertDeliveries } from "../queue/alert-deliveries";
import { runRedisScript } from "../services/redis";
import { privateHostReason } from "../services/private-targets";
import { createWebhookClient, WebhookRefused } from "../services/webhook-client";

/** KEYS: the rule's state key. ARGV: the new state. 1 when this caller made the transition. */
const TRANSITION_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or 'resolved'
if current == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

type Rule = AlertRuleRow;

/** The condition's current value and whether it holds, from a merged snapshot. */
export function evaluateCondition(
  rule: Pick<Rule, "kind" | "nodeId" | "threshold">,
  snapshot: MetricsSnapshotV1,
  sourceIds: readonly string[],
): { holds: boolean; value: number; message: string } {
  const nodes = rule.nodeId
    ? Object.entries(snapshot.nodes).filter(([id]) => id === rule.nodeId)
    : Object.entries(snapshot.nodes);
  const scope = rule.nodeId ? `node ${rule.nodeId}` : "pipeline";
  switch (rule.kind) {
    case "lag_seconds": {
      const value = Math.max(0, ...snapshot.edges.map((e) => e.lagSeconds ?? 0));
      return {
        holds: value > rule.threshold,
        value,
        message: `lag ${value.toFixed(1)} s (threshold ${rule.threshold} s)`,
      };
    }
    case "error_rate": {
      const errors = nodes.reduce((sum, [, n]) => sum + n.errorsPerSec, 0);
      const input = nodes.reduce((sum, [, n]) => sum + n.inPerSec, 0);
      const value = input > 0 ? (errors / input) * 100 : 0;
      return {
        holds: value > rule.threshold,
        value,
        message: `${scope} error rate ${value.toFixed(2)} % (threshold ${rule.threshold} %)`,
      };
    }
    case "throughput_below": {
      const measured = rule.nodeId ? nodes : nodes.filter(([id]) => sourceIds.includes(id));
      const value = measured.reduce((sum, [, n]) => sum + n.inPerSec, 0);
      return {
        holds: value < rule.threshold,
        value,
        message: `${rule.nodeId ? scope : "sources"} in ${value.toFixed(1)} events/s (fires below ${rule.threshold}/s)`,
      };
    }
    case "freshness": {
      const value = Math.max(0, ...nodes.map(([, n]) => n.freshnessSeconds ?? 0));
      return {
        holds: value > rule.threshold,
        value,
        message: `sink freshness ${value.toFixed(1)} s (threshold ${rule.threshold} s)`,
      };
    }
    case "node_failing": {
      const failing = nodes.filter(([, n]) => n.status === "failing").map(([id]) => id);
      return {
        holds: failing.length > 0,
        value: failing.length,
        message: failing.length > 0 ? `failing: ${failing.join(", ")}` : "no node failing",
      };
    }
  }
}

export type AlertEvaluator = {
  /** One evaluation now (tests). */
  evaluate(): Promise<void>;
  reloadRules(): Promise<void>;
  stop(): Promise<void>;
};

export function startAlertEvaluator(options: {
  db: ControlDb;
  redis: Redis;
  reconciler: RunningDeployments;
  log: Logger;
  secret(workspaceId: string, secretId: string): Promise<string>;
  allowPrivateWebhooks: boolean;
  /** Default 2000 ms. */
  intervalMs?: number;
  /** Default 10000 ms. */
  reloadMs?: number;
  /** Snapshots older than this are ignored (a runner that stopped). Default 5000 ms. */
  staleMs?: number;
}): AlertEvaluator {
  const log = options.log.child({ module: "alerts" });
  const staleMs = options.staleMs ?? 5000;
  const subscriber = options.redis.duplicate();
  subscriber.on("error", (err: Error) => log.warn({ err }, "alerts subscriber error"));
  const subscribed = new Set<string>();
  /** pipelineId -> runnerId -> latest snapshot. */
  const snapshots = new Map<string, Map<string, MetricsSnapshotV1>>();
  subscriber.on("message", (channel: string, message: string) => {
    try {
      const parsed = MetricsSnapshotV1.safeParse(JSON.parse(message));
      if (!parsed.success || metricsChannel(parsed.data.pipelineId) !== channel) return;
      let byRunner = snapshots.get(parsed.data.pipelineId);
      if (!byRunner) snapshots.set(parsed.data.pipelineId, (byRunner = new Map()));
      byRunner.set(parsed.data.runnerId, parsed.data);
    } catch {
      // Not ours.
    }
  });

  let rules: Rule[] = [];
  /** Local view per rule: since when the condition holds, and the last known state. */
  const local = new Map<string, { since: number | null; state: "firing" | "resolved" }>();
  let loadedFor = "";

  const deliveries = startAlertDeliveries({ redis: options.redis, log, deliver: deliverWebhook });

  async function reloadRules() {
    const pipelineIds = [...new Set(options.reconciler.running().map((r) => r.spec.pipelineId))];
    loadedFor = pipelineIds.sort().join(",");
    const rows = pipelineIds.length === 0 ? [] : await options.db.enabledAlertRules(pipelineIds);
    rules = rows;
    const ids = new Set(rows.map((r) => r.id));
    for (const id of local.keys()) if (!ids.has(id)) local.delete(id);
    const fresh = rows.filter((r) => !local.has(r.id));
    if (fresh.length > 0) {
      // Start from the shared state: a rule that fired before this process started stays firing here.
      const states = await options.redis.mget(...fresh.map((r) => alertStateKey(r.id)));
      fresh.forEach((r, i) => local.set(r.id, { since: null, state: states[i] === "firing" ? "firing" : "resolved" }));
    }
    for (const pipelineId of pipelineIds) {
      if (subscribed.has(pipelineId)) continue;
      subscribed.add(pipelineId);
      await subscriber.subscribe(metricsChannel(pipelineId));
    }
    for (const pipelineId of [...subscribed]) {
      if (pipelineIds.includes(pipelineId)) continue;
      subscribed.delete(pipelineId);
      snapshots.delete(pipelineId);
      await subscriber.unsubscribe(metricsChannel(pipelineId));
    }
  }

  async function transition(rule: Rule, state: "firing" | "resolved", value: number, message: string) {
    const claimed = await runRedisScript(options.redis, TRANSITION_SCRIPT, [alertStateKey(rule.id)], [state]);
    if (claimed !== 1) return;
    let event: AlertEvent;
    try {
      event = await options.db.createAlertEvent({
        ruleId: rule.id,
        workspaceId: rule.workspaceId,
        pipelineId: rule.pipelineId,
        state,
        value: Number.isFinite(value) ? value : null,
        message: `${rule.name}: ${message}`,
      });
    } catch (err) {
      log.error({ err, ruleId: rule.id, state }, "alert event write failed");
      return;
    }
    log.info({ ruleId: rule.id, state, value }, "alert transition");
    await options.redis
      .publish(alertsChannel(rule.workspaceId), encodeMessage(AlertTransitionV1, event))
      .catch((err: unknown) => log.warn({ err }, "alert publish failed"));
    if (!rule.webhookUrl) return;
    try {
      const at = event.createdAt.toISOString();
      const body = JSON.stringify({
        rule: {
          id: rule.id,
          name: rule.name,
          kind: rule.kind,
          nodeId: rule.nodeId,
          threshold: rule.threshold,
          forSeconds: rule.forSeconds,
        },
        state,
        value: event.value,
        message: event.message,
        pipelineId: rule.pipelineId,
        at,
      });
      const url = new URL(rule.webhookUrl);
      if (!options.allowPrivateWebhooks && privateHostReason(url.hostname)) {
        log.warn({ ruleId: rule.id, host: url.hostname }, "alert webhook refused: private or loopback host");
        return;
      }
      const signature = rule.webhookSecretId
        ? webhookSignature(
            await options.secret(rule.workspaceId, rule.webhookSecretId),
            Math.floor(Date.now() / 1000),
            body,
          )
        : undefined;
      await deliveries.enqueue(
        {
          url: url.toString(),
          body,
          ...(signature ? { signature } : {}),
          allowPrivate: options.allowPrivateWebhooks,
          ruleId: rule.id,
        },
        `alert-${event.id}`,
      );
    } catch (err) {
      log.error({ err, ruleId: rule.id }, "alert webhook could not be enqueued");
    }
  }

  async function evaluate() {
    const running = options.reconciler.running();
    const key = [...new Set(running.map((r) => r.spec.pipelineId))].sort().join(",");
    if (key !== loadedFor) await reloadRules();
    const now = Date.now();
    for (const rule of rules) {
      const runtime = running.find((r) => r.spec.pipelineId === rule.pipelineId);
      const fresh = [...(snapshots.get(rule.pipelineId)?.values() ?? [])].filter((s) => now - s.at <= staleMs);
      const merged = mergeSnapshots(fresh);
      if (!runtime || !merged) continue;
      const sources = [
        ...runtime.spec.plan.ingest.map((i) => i.nodeId),
        ...runtime.spec.plan.generators.map((g) => g.nodeId),
        ...runtime.spec.plan.stages.filter((s) => s.nodes[0]?.type === "kafka-source").map((s) => s.id),
      ];
      const { holds, value, message } = evaluateCondition(rule, merged, sources);
      const view = local.get(rule.id) ?? { since: null, state: "resolved" as const };
      local.set(rule.id, view);
      if (!holds) {
        view.since = null;
        if (view.state === "firing") {
          view.state = "resolved";
          await transition(rule, "resolved", value, message);
        }
        continue;
      }
      view.since ??= merged.at;
      if (view.state === "resolved" && now - view.since >= rule.forSeconds * 1000) {
        view.state = "firing";
        await transition(rule, "firing", value, message);
      }
    }
  }

  // Private targets only when both the enqueuing runner and this one allow them (ALLOW_PRIVATE_WEBHOOKS).
  const clients = {
    private: createWebhookClient({ allowPrivate: true }),
    public: createWebhookClient({ allowPrivate: false }),
  };
  async function deliverWebhook(job: AlertWebhookJob) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (job.signature) headers["x-sluice-signature"] = job.signature;
    let status: number;
    try {
      status = await clients[job.allowPrivate && options.allowPrivateWebhooks ? "private" : "public"].post(
        new URL(job.url),
        { body: job.body, headers, timeoutMs: 10_000 },
      );
    } catch (err) {
      if (err instanceof WebhookRefused) throw new DeliveryRefused(err.message);
      throw err;
    }
    if (status >= 200 && status < 300) return;
    if (status >= 400 && status < 500 && status !== 429) throw new DeliveryRefused(`webhook answered ${status}`);
    throw new Error(`webhook answered ${status}`);
  }

  let running: Promise<void> | undefined;
  const tick = () =>
    (running ??= evaluate()
      .catch((err: unknown) => log.warn({ err }, "alert evaluation failed"))
      .finally(() => (running = undefined)));
  const timer = setInterval(() => void tick(), options.intervalMs ?? 2000);
  const reload = setInterval(
    () => void reloadRules().catch((err: unknown) => log.warn({ err }, "alert rules reload failed")),
    options.reloadMs ?? 10_000,
  );
  return {
    evaluate: tick,
    reloadRules,
    async stop() {
      clearInterval(timer);
      clearInterval(reload);
      await running;
      await deliveries.close();
      clients.private.close();
      clients.public.close();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
