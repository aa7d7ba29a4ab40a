import { z } from "zod";
import { ACTIVITY_EVENT_FIELDS, ACTIVITY_EVENT_TYPES } from "../../events/activity-event";
import { Duration } from "../../events/duration";
import { issue } from "../config-fields";
import { ui } from "../field-ui";
import { knownFields, typedFrom } from "../field-set";
import { defineNode } from "../node-descriptor";

const ratio = (title: string, description: string, fallback: number) =>
  z
    .number()
    .min(0)
    .max(0.5)
    .default(fallback)
    .meta(ui({ title, description: `${description} Default ${fallback}.`, widget: "number", advanced: true }));

export const GeneratorEventWeight = z.strictObject({
  type: z.string().min(1).max(64),
  weight: z.number().min(0),
});

export const GeneratorConfig = z
  .strictObject({
    eventsPerSecond: z
      .number()
      .int()
      .min(1)
      .max(50_000)
      .default(20)
      .meta(
        ui({
          title: "Events per second",
          description: "Event-time rate of the synthetic stream. Default 20.",
          widget: "number",
          unit: "events/s",
        }),
      ),
    users: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1_000)
      .meta(
        ui({
          title: "Users",
          description: "Distinct simulated users; a few are much more active than the rest. Default 1000.",
          widget: "number",
        }),
      ),
    eventMix: z
      .array(GeneratorEventWeight)
      .min(1)
      .max(32)
      .default([
        { type: "page_view", weight: 60 },
        { type: "click", weight: 25 },
        { type: "add_to_cart", weight: 8 },
        { type: "purchase", weight: 4 },
        { type: "signup", weight: 3 },
      ])
      .meta(
        ui({
          title: "Event mix",
          description:
            "Relative weight of each event type. Known types (page_view, click, add_to_cart, purchase, signup) get realistic props.",
          widget: "key-value-list",
        }),
      ),
    duplicateRatio: ratio("Duplicates", "Share of events re-sent with the same id, like client retries.", 0.01),
    lateRatio: ratio("Late events", "Share of events whose timestamp lags behind, like offline mobile clients.", 0.02),
    maxLateness: Duration.default("2m").meta(
      ui({
        title: "Max lateness",
        description: "How far behind a late event's timestamp can be. Default 2m.",
        widget: "duration",
        advanced: true,
      }),
    ),
    malformedRatio: ratio(
      "Malformed events",
      "Share of events that break the envelope (missing user, bad timestamp...), to exercise validation.",
      0.005,
    ),
    seed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(42)
      .meta(
        ui({
          title: "Seed",
          description: "Same seed, same stream: previews and tests are reproducible. Default 42.",
          widget: "number",
          advanced: true,
        }),
      ),
  })
  .superRefine((config, ctx) => {
    if (!config.eventMix.some((entry) => entry.weight > 0))
      issue(ctx, ["eventMix"], "At least one event type needs a weight above 0");
  });

export const generatorNode = defineNode({
  type: "generator",
  typeVersion: 1,
  category: "source",
  label: "Generator",
  description:
    "A synthetic, reproducible clickstream with realistic users, sessions, duplicates, late and malformed events.",
  icon: "sparkles",
  stateful: false,
  inputs: [],
  outputs: [{ name: "out", label: "Events", kind: "event" }],
  configSchema: GeneratorConfig,
  example: { eventsPerSecond: 50, users: 500, seed: 7 },
  outputFields: () => knownFields(ACTIVITY_EVENT_FIELDS, typedFrom("event envelope", ACTIVITY_EVENT_TYPES)),
});
