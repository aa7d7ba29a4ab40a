import { z } from "zod";
import { expression, issue } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN, PortName, RESERVED_PORT_NAMES } from "../port";

export const RouteRule = z.strictObject({
  port: PortName.meta(ui({ title: "Output name", widget: "text", placeholder: "purchases" })),
  label: z
    .string()
    .max(60)
    .optional()
    .meta(ui({ title: "Label", widget: "text" })),
  condition: expression("predicate", { title: "When", placeholder: 'event.type == "purchase"' }),
});
export type RouteRule = z.infer<typeof RouteRule>;

export const RouteConfig = z
  .strictObject({
    routes: z
      .array(RouteRule)
      .min(1)
      .max(16)
      .meta(ui({ title: "Routes", widget: "fields-list" })),
    mode: z
      .enum(["first-match", "all-matches"])
      .default("first-match")
      .meta(
        ui({
          title: "Matching",
          description:
            "first-match: an event goes to the first route that matches; all-matches: to every route that matches. Default first-match.",
          widget: "select",
        }),
      ),
    defaultPort: PortName.default("unmatched").meta(
      ui({
        title: "Otherwise",
        description: 'Output for events no route matches. Default "unmatched".',
        widget: "text",
      }),
    ),
  })
  .superRefine((config, ctx) => {
    const reserved: readonly string[] = RESERVED_PORT_NAMES;
    const seen = new Set<string>([config.defaultPort]);
    if (reserved.includes(config.defaultPort)) issue(ctx, ["defaultPort"], `"${config.defaultPort}" is reserved`);
    config.routes.forEach((route, i) => {
      if (reserved.includes(route.port)) issue(ctx, ["routes", i, "port"], `"${route.port}" is reserved`);
      else if (seen.has(route.port)) issue(ctx, ["routes", i, "port"], `Output "${route.port}" is used twice`);
      seen.add(route.port);
    });
  });

export const routeNode = defineNode({
  type: "route",
  typeVersion: 1,
  category: "transform",
  label: "Route",
  description: "Sends events to different outputs by condition.",
  icon: "split",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ name: "unmatched", label: "Unmatched", kind: "passthrough" }, ERROR_PORT],
  configSchema: RouteConfig,
  example: {
    routes: [
      { port: "purchases", condition: 'event.type == "purchase"' },
      { port: "signups", condition: 'event.type == "signup"' },
    ],
    defaultPort: "other",
  },
  dynamicOutputs: (config) => [
    ...config.routes.map((route) => ({
      name: route.port,
      label: route.label ?? route.port,
      kind: "passthrough" as const,
    })),
    { name: config.defaultPort, label: "Otherwise", kind: "passthrough" },
    ERROR_PORT,
  ],
  expressions: (config) =>
    config.routes.map((route, i) => ({
      path: ["routes", i, "condition"],
      source: route.condition,
      kind: "predicate" as const,
    })),
});
