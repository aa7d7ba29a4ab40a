import { z } from "zod";
import { Duration } from "../../events/duration";
import { isPrivateHost } from "../../events/ip-address";
import { issue, secretRef } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const WebhookHeader = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "Header names are letters, digits and -"),
  value: z.string().max(1024),
});

export const WebhookSinkConfig = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .meta(ui({ title: "URL", widget: "url", placeholder: "https://hooks.example.com/sluice" })),
    signingSecretId: secretRef("webhook-signing", {
      title: "Signing secret",
      description:
        "Each request carries an X-Sluice-Signature HMAC-SHA256 of timestamp and body so the receiver can verify it.",
    }).optional(),
    headers: z
      .array(WebhookHeader)
      .max(16)
      .default([])
      .meta(ui({ title: "Extra headers", widget: "key-value-list", advanced: true })),
    rateLimitPerSecond: z
      .number()
      .int()
      .min(1)
      .max(1_000)
      .default(10)
      .meta(
        ui({
          title: "Max requests per second",
          description: "Across all workers of this node. Default 10.",
          widget: "number",
        }),
      ),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(5)
      .meta(
        ui({
          title: "Retries",
          description:
            "With exponential backoff, on network errors, 429 and 5xx; then the record is dead-lettered. Default 5.",
          widget: "number",
        }),
      ),
    timeout: Duration.default("10s").meta(
      ui({ title: "Timeout", description: "Default 10s.", widget: "duration", advanced: true }),
    ),
    allowPrivateAddresses: z
      .boolean()
      .default(false)
      .meta(
        ui({
          title: "Allow private addresses",
          description:
            "Off: URLs resolving to localhost, private or link-local addresses are refused (protects internal services). On takes effect only where the operator also allows it (runner ALLOW_PRIVATE_WEBHOOKS=true). Default off.",
          widget: "toggle",
          advanced: true,
        }),
      ),
  })
  .superRefine((config, ctx) => {
    if (config.allowPrivateAddresses || !URL.canParse(config.url)) return;
    if (isPrivateHost(new URL(config.url).hostname)) {
      issue(
        ctx,
        ["url"],
        "This URL points to a private or local address; enable 'Allow private addresses' if that is intended",
      );
    }
  });
export type WebhookSinkConfig = z.infer<typeof WebhookSinkConfig>;

export const webhookSinkNode = defineNode({
  type: "webhook-sink",
  typeVersion: 1,
  category: "sink",
  label: "Webhook",
  description: "POSTs each record as JSON to an HTTPS endpoint, signed, rate-limited and retried.",
  icon: "send",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ ...ERROR_PORT, description: "Records the endpoint rejected (4xx) or that failed after all retries." }],
  configSchema: WebhookSinkConfig,
  example: { url: "https://hooks.example.com/sluice/alerts", signingSecretId: "sec_hook", rateLimitPerSecond: 5 },
});
