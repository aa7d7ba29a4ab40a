import { z } from "zod";
import { Duration, parseDurationMs } from "../../events/duration";
import { FieldPath } from "../../events/field-path";
import { expression, fieldPath, issue, OutputFieldName } from "../config-fields";
import { ui } from "../field-ui";
import { type FieldType, knownFields, typedFrom } from "../field-set";
import { expressionFieldType } from "../../expr/expression-field-type";
import { defineNode } from "../node-descriptor";
import { ALL_PORT_KINDS, ERROR_PORT } from "../port";

export const AggregationFunction = z.enum(["count", "sum", "min", "max", "avg", "distinct-count"]);
export type AggregationFunction = z.infer<typeof AggregationFunction>;

export const WindowAggregation = z.strictObject({
  name: OutputFieldName.meta(ui({ title: "Output field", widget: "text", placeholder: "events" })),
  function: AggregationFunction.meta(ui({ title: "Function", widget: "select" })),
  field: FieldPath.optional().meta(
    ui({
      title: "Of field",
      description:
        "Required except for count (count with a field counts events where it is present). Numeric strings are accepted by sum/min/max/avg.",
      widget: "field-path",
      placeholder: "props.amount",
    }),
  ),
});
export type WindowAggregation = z.infer<typeof WindowAggregation>;

export const WindowGroup = z.strictObject({
  name: OutputFieldName.meta(ui({ title: "Output field", widget: "text", placeholder: "eventType" })),
  expression: expression("value", { title: "Group by", placeholder: "event.type" }),
});
export type WindowGroup = z.infer<typeof WindowGroup>;

/** Fields every window result carries besides the group and aggregation fields. */
export const WINDOW_RESULT_FIELDS = [
  "windowId",
  "windowStart",
  "windowEnd",
  "timestamp",
  "revision",
  "isLateUpdate",
  "supersedes",
] as const;

const AGGREGATION_TYPES: Record<AggregationFunction, FieldType> = {
  count: "integer",
  "distinct-count": "integer",
  sum: "number",
  avg: "number",
  min: "number",
  max: "number",
};

/** Hopping windows per event are capped so one event cannot fan out into unbounded state. */
export const MAX_WINDOWS_PER_EVENT = 100;

export const WindowConfig = z
  .strictObject({
    kind: z
      .enum(["tumbling", "hopping", "session"])
      .default("tumbling")
      .meta(
        ui({
          title: "Window",
          description:
            "tumbling: fixed, non-overlapping; hopping: fixed size, overlapping every slide; session: closes after a gap of inactivity. Default tumbling.",
          widget: "select",
        }),
      ),
    size: Duration.default("1m").meta(
      ui({
        title: "Size",
        description: "Default 1m.",
        widget: "duration",
        visibleWhen: { field: "kind", oneOf: ["tumbling", "hopping"] },
      }),
    ),
    slide: Duration.optional().meta(
      ui({
        title: "Slide",
        description: "How often a new hopping window starts.",
        widget: "duration",
        visibleWhen: { field: "kind", oneOf: ["hopping"] },
      }),
    ),
    gap: Duration.optional().meta(
      ui({ title: "Inactivity gap", widget: "duration", visibleWhen: { field: "kind", oneOf: ["session"] } }),
    ),
    eventTimeField: fieldPath({
      title: "Event time field",
      description: "ISO timestamp or epoch ms. Default timestamp.",
    }).default("timestamp"),
    watermarkDelay: Duration.default("5s").meta(
      ui({
        title: "Wait for out-of-order events",
        description: "Windows close this long after the newest event time seen (the watermark delay). Default 5s.",
        widget: "duration",
      }),
    ),
    allowedLateness: Duration.default("1m").meta(
      ui({
        title: "Accept late events for",
        description:
          "After a window closed, events this late still update it (an updated result is emitted). Later ones go to Late. Default 1m.",
        widget: "duration",
      }),
    ),
    groupBy: z
      .array(WindowGroup)
      .max(8)
      .default([])
      .meta(ui({ title: "Group by", widget: "fields-list" })),
    aggregations: z
      .array(WindowAggregation)
      .min(1)
      .max(32)
      .meta(ui({ title: "Aggregations", widget: "fields-list" })),
    lateEvents: z
      .enum(["late-port", "error-port"])
      .default("late-port")
      .meta(
        ui({
          title: "Too-late events go to",
          description: "Default: the Late output.",
          widget: "select",
          advanced: true,
        }),
      ),
  })
  .superRefine((config, ctx) => {
    // Malformed durations already have their own issue; NaN comparisons below are then all false.
    const size = parseDurationMs(config.size) ?? Number.NaN;
    const slide = parseDurationMs(config.slide) ?? Number.NaN;
    if (config.kind === "hopping") {
      if (!config.slide) issue(ctx, ["slide"], "Hopping windows need a slide");
      else if (slide <= 0 || slide >= size) issue(ctx, ["slide"], "Slide must be shorter than the window size");
      else if (size / slide > MAX_WINDOWS_PER_EVENT)
        issue(ctx, ["slide"], `Size / slide may be at most ${MAX_WINDOWS_PER_EVENT}`);
    }
    if (config.kind === "session" && !((parseDurationMs(config.gap) ?? 0) > 0))
      issue(ctx, ["gap"], "Session windows need an inactivity gap above 0");
    if (config.kind !== "session" && size <= 0) issue(ctx, ["size"], "Size must be above 0");
    const reserved: readonly string[] = WINDOW_RESULT_FIELDS;
    const names = new Set<string>();
    const checkName = (name: string, path: (string | number)[]): void => {
      if (reserved.includes(name)) issue(ctx, path, `"${name}" is a reserved result field`);
      else if (names.has(name)) issue(ctx, path, `"${name}" is used twice`);
      names.add(name);
    };
    config.groupBy.forEach((group, i) => checkName(group.name, ["groupBy", i, "name"]));
    config.aggregations.forEach((aggregation, i) => {
      checkName(aggregation.name, ["aggregations", i, "name"]);
      if (aggregation.function !== "count" && !aggregation.field)
        issue(ctx, ["aggregations", i, "field"], `${aggregation.function} needs a field`);
    });
  });
export type WindowConfig = z.infer<typeof WindowConfig>;

export const windowNode = defineNode({
  type: "window",
  typeVersion: 1,
  category: "transform",
  label: "Window aggregate",
  description: "Counts, sums and averages per group over event-time windows, with watermarks and late-event updates.",
  icon: "chart-bar",
  stateful: true,
  inputs: [
    { name: "in", label: "In", accepts: ALL_PORT_KINDS.filter((kind) => kind !== "dead-letter"), required: true },
  ],
  outputs: [
    {
      name: "out",
      label: "Results",
      kind: "aggregate",
      description: "One record per window and group; late events re-emit it with a higher revision.",
    },
    {
      name: "late",
      label: "Late",
      kind: "passthrough",
      unchanged: true,
      description: "Events that arrived after their window's allowed lateness.",
    },
    ERROR_PORT,
  ],
  configSchema: WindowConfig,
  example: {
    kind: "tumbling",
    size: "1m",
    groupBy: [{ name: "eventType", expression: "event.type" }],
    aggregations: [
      { name: "events", function: "count" },
      { name: "users", function: "distinct-count", field: "userId" },
    ],
  },
  expressions: (config) =>
    config.groupBy.map((group, i) => ({
      path: ["groupBy", i, "expression"],
      source: group.expression,
      kind: "value" as const,
    })),
  fieldRefs: (config) => [
    { path: ["eventTimeField"], field: config.eventTimeField },
    ...config.aggregations.flatMap((aggregation, i) =>
      aggregation.field ? [{ path: ["aggregations", i, "field"], field: aggregation.field }] : [],
    ),
  ],
  outputFields: (config, input) =>
    knownFields(
      [...WINDOW_RESULT_FIELDS, ...config.groupBy.map((g) => g.name), ...config.aggregations.map((a) => a.name)],
      {
        ...typedFrom("window result", {
          windowId: "string",
          windowStart: "timestamp",
          windowEnd: "timestamp",
          timestamp: "timestamp",
          revision: "integer",
          isLateUpdate: "boolean",
          supersedes: "array",
        }),
        ...Object.fromEntries(
          config.groupBy.flatMap((g) => {
            const typing = expressionFieldType(g.expression, input);
            return typing ? [[g.name, typing]] : [];
          }),
        ),
        ...Object.fromEntries(
          config.aggregations.map((a) => [
            a.name,
            { type: AGGREGATION_TYPES[a.function], from: `window ${a.function}` },
          ]),
        ),
      },
    ),
});
