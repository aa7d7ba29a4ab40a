import { z } from "zod";
import { Duration, parseDurationMs } from "../../events/duration";
import { expression, fieldPath, issue } from "../config-fields";
import { ui } from "../field-ui";
import { knownFields, typedFrom } from "../field-set";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT } from "../port";

/** Fields of every session record. */
export const SESSION_RESULT_FIELDS = [
  "sessionId",
  "userKey",
  "sessionStart",
  "sessionEnd",
  "durationMs",
  "eventCount",
  "pageViews",
  "eventTypes.*",
  "landingPage",
  "exitPage",
  "timestamp",
  "revision",
  "isLateUpdate",
  "supersedes",
] as const;

export const SessionizeConfig = z
  .strictObject({
    userKey: expression("key", {
      title: "User",
      description: "Whose session an event belongs to. Default: userId, else anonymousId.",
    }).default("event.userId != null ? event.userId : event.anonymousId"),
    inactivityGap: Duration.default("30m").meta(
      ui({
        title: "Inactivity gap",
        description:
          "A session ends after this long without events (event time). Default 30m, the web-analytics convention.",
        widget: "duration",
      }),
    ),
    maxDuration: Duration.default("12h").meta(
      ui({
        title: "Max session length",
        description: "Longer activity (bots, open tabs) is split into several sessions. Default 12h.",
        widget: "duration",
      }),
    ),
    eventTimeField: fieldPath({ title: "Event time field", description: "Default timestamp.", advanced: true }).default(
      "timestamp",
    ),
    pageField: fieldPath({
      title: "Page field",
      description: "Used for landing and exit pages. Default context.page.path.",
      advanced: true,
    }).default("context.page.path"),
    pageViewType: z
      .string()
      .min(1)
      .default("page_view")
      .meta(ui({ title: "Page view event type", description: "Default page_view.", widget: "text", advanced: true })),
    watermarkDelay: Duration.default("5s").meta(
      ui({ title: "Wait for out-of-order events", description: "Default 5s.", widget: "duration" }),
    ),
    allowedLateness: Duration.default("5m").meta(
      ui({
        title: "Accept late events for",
        description: "Late events within this time re-emit the updated session. Default 5m.",
        widget: "duration",
      }),
    ),
    lateEvents: z
      .enum(["late-port", "error-port"])
      .default("late-port")
      .meta(ui({ title: "Too-late events go to", widget: "select", advanced: true })),
  })
  .superRefine((config, ctx) => {
    const gap = parseDurationMs(config.inactivityGap) ?? Number.NaN;
    const max = parseDurationMs(config.maxDuration) ?? Number.NaN;
    if (gap <= 0) issue(ctx, ["inactivityGap"], "The gap must be above 0");
    if (max < gap) issue(ctx, ["maxDuration"], "Max length must be at least the inactivity gap");
  });
export type SessionizeConfig = z.infer<typeof SessionizeConfig>;

export const sessionizeNode = defineNode({
  type: "sessionize",
  typeVersion: 1,
  category: "transform",
  label: "Sessionize",
  description: "Groups each user's events into sessions by inactivity and emits one summary per session.",
  icon: "timer",
  stateful: true,
  inputs: [{ name: "in", label: "Events", accepts: ["event"], required: true }],
  outputs: [
    {
      name: "sessions",
      label: "Sessions",
      kind: "session",
      description: "Emitted when a session closes; late events re-emit it with a higher revision.",
    },
    { name: "late", label: "Late", kind: "passthrough", unchanged: true },
    ERROR_PORT,
  ],
  configSchema: SessionizeConfig,
  example: { inactivityGap: "30m", maxDuration: "12h" },
  expressions: (config) => [{ path: ["userKey"], source: config.userKey, kind: "key" }],
  fieldRefs: (config) => [
    { path: ["eventTimeField"], field: config.eventTimeField },
    { path: ["pageField"], field: config.pageField },
  ],
  outputFields: () =>
    knownFields(
      SESSION_RESULT_FIELDS,
      typedFrom("session result", {
        sessionId: "string",
        userKey: "string",
        sessionStart: "timestamp",
        sessionEnd: "timestamp",
        durationMs: "integer",
        eventCount: "integer",
        pageViews: "integer",
        eventTypes: "object",
        landingPage: "string",
        exitPage: "string",
        timestamp: "timestamp",
        revision: "integer",
        isLateUpdate: "boolean",
        supersedes: "array",
      }),
    ),
});
