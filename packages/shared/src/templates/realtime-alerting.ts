import { at, wire, type PipelineTemplate } from "./pipeline-template";

export const realtimeAlertingTemplate: PipelineTemplate = {
  id: "realtime-alerting",
  name: "Real-time alerting",
  description:
    "Route app events by type: alert by webhook when a user's payments fail 3 times within 5 minutes (and keep the count in Redis), and announce purchases of $1,000 or more.",
  graph: {
    nodes: [
      {
        id: "ingest",
        type: "http-ingest",
        typeVersion: 1,
        label: "App events",
        position: at(0, 1),
        config: { pathKey: "app-events", apiKeyId: "select-api-key" },
      },
      {
        id: "route",
        type: "route",
        typeVersion: 1,
        label: "By type",
        position: at(1, 1),
        config: {
          routes: [
            { port: "payment-failures", label: "Payment failures", condition: 'event.type == "payment_failed"' },
            {
              port: "big-purchases",
              label: "Purchases ≥ $1,000",
              condition: 'event.type == "purchase" && has(event.props.amount) && event.props.amount >= 1000',
            },
          ],
          defaultPort: "other",
        },
      },
      {
        id: "by-user",
        type: "key-by",
        typeVersion: 1,
        label: "Key by user",
        position: at(2, 0),
        config: { key: "event.userId != null ? event.userId : event.anonymousId" },
      },
      {
        id: "failures",
        type: "window",
        typeVersion: 1,
        label: "Failures per user, 5 min",
        position: at(3, 0),
        config: {
          kind: "tumbling",
          size: "5m",
          watermarkDelay: "10s",
          allowedLateness: "1m",
          groupBy: [{ name: "user", expression: "event.userId != null ? event.userId : event.anonymousId" }],
          aggregations: [
            { name: "failures", function: "count" },
            { name: "amountAtRisk", function: "sum", field: "props.amount" },
          ],
        },
      },
      {
        id: "threshold",
        type: "filter",
        typeVersion: 1,
        label: "3 or more",
        position: at(4, 0),
        config: { condition: "event.failures >= 3" },
      },
      {
        id: "alert-hook",
        type: "webhook-sink",
        typeVersion: 1,
        label: "On-call webhook",
        position: at(5, 0),
        config: {
          url: "https://hooks.example.com/sluice/payment-failures",
          signingSecretId: "select-webhook-secret",
          rateLimitPerSecond: 5,
          maxRetries: 5,
        },
      },
      {
        id: "alert-state",
        type: "redis-sink",
        typeVersion: 1,
        label: "Flagged users",
        position: at(5, 1),
        config: {
          connectionSecretId: "select-redis-connection",
          mode: "hash",
          keyTemplate: "alerts:payment-failures",
          field: "event.user",
          value: "event.failures",
          ttl: "1d",
        },
      },
      {
        id: "sales-hook",
        type: "webhook-sink",
        typeVersion: 1,
        label: "Sales channel",
        position: at(2, 2),
        config: {
          url: "https://hooks.example.com/sluice/big-purchases",
          signingSecretId: "select-webhook-secret",
          rateLimitPerSecond: 2,
        },
      },
    ],
    edges: [
      wire("ingest", "route"),
      wire("route", "by-user", "payment-failures"),
      wire("by-user", "failures"),
      wire("failures", "threshold"),
      wire("threshold", "alert-hook"),
      wire("threshold", "alert-state"),
      wire("route", "sales-hook", "big-purchases"),
    ],
  },
};
