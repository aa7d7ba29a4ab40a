import { z } from "zod";
import { ACTIVITY_EVENT_FIELDS, ACTIVITY_EVENT_TYPES } from "../../events/activity-event";
import { ui } from "../field-ui";
import { knownFields, typedFrom } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT } from "../port";

export const HttpIngestConfig = z.strictObject({
  pathKey: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{2,62}$/, "3-63 lowercase letters, digits and -")
    .meta(
      ui({
        title: "Path key",
        description:
          "Clients POST JSON arrays or NDJSON to the runner at /v1/ingest/<path key>. Unique among running pipelines.",
        widget: "text",
        placeholder: "web-clickstream",
      }),
    ),
  apiKeyId: z
    .string()
    .min(1)
    .max(128)
    .meta(
      ui({
        title: "API key",
        description: "The API key clients must send in the x-api-key header; other keys are refused.",
        widget: "api-key",
      }),
    ),
  maxBatch: z
    .number()
    .int()
    .min(1)
    .max(5_000)
    .default(500)
    .meta(
      ui({
        title: "Max events per request",
        description: "Larger requests are rejected with 413. Default 500.",
        widget: "number",
        advanced: true,
      }),
    ),
  maxBodyBytes: z
    .number()
    .int()
    .min(1_024)
    .max(10_000_000)
    .default(1_000_000)
    .meta(
      ui({
        title: "Max request size",
        description: "Default 1 MB.",
        widget: "number",
        unit: "bytes",
        advanced: true,
      }),
    ),
  requireEventId: z
    .boolean()
    .default(false)
    .meta(
      ui({
        title: "Require event ids",
        description:
          "Reject events without an id. Ids generated server-side cannot deduplicate client retries. Default off.",
        widget: "toggle",
        advanced: true,
      }),
    ),
});

export const httpIngestNode = defineNode({
  type: "http-ingest",
  typeVersion: 1,
  category: "source",
  label: "HTTP ingest",
  description: "Receives events over HTTPS from your apps and SDKs, authenticated with a workspace API key.",
  icon: "webhook-in",
  stateful: false,
  inputs: [],
  outputs: [
    { name: "out", label: "Events", kind: "event" },
    { ...ERROR_PORT, description: "Events in an accepted request that do not match the event envelope." },
  ],
  configSchema: HttpIngestConfig,
  example: { pathKey: "web-clickstream", apiKeyId: "key_web_prod", maxBatch: 500 },
  outputFields: () => knownFields(ACTIVITY_EVENT_FIELDS, typedFrom("event envelope", ACTIVITY_EVENT_TYPES)),
});
