import type { EventRecord } from "../events/json-value";
import type { NodeConfig } from "../nodes/registry";
import { mustCompile, toRecordError } from "./core-helpers";
import type { Core, CoreFailure } from "./core-types";

/**
 * Sends each event to the first matching route (or every matching route), else to the default port.
 * If any condition it evaluates fails, the event goes to errors only, never half-routed.
 */
export function createRouteCore(config: NodeConfig<"route">): Core {
  const routes = config.routes.map((route) => ({
    port: route.port,
    condition: mustCompile(route.condition, "predicate", `Route "${route.port}"`),
  }));
  const firstMatchOnly = config.mode === "first-match";
  return {
    process(batch, ctx) {
      const outputs: Record<string, EventRecord[]> = { [config.defaultPort]: [] };
      for (const route of routes) outputs[route.port] = [];
      const errors: CoreFailure[] = [];
      for (const event of batch) {
        const matched: string[] = [];
        try {
          for (const route of routes) {
            if (!route.condition.evaluate({ event, now: ctx.now })) continue;
            matched.push(route.port);
            if (firstMatchOnly) break;
          }
        } catch (error) {
          errors.push({ event, error: toRecordError(error) });
          continue;
        }
        if (matched.length === 0) matched.push(config.defaultPort);
        for (const port of matched) outputs[port]!.push(event);
      }
      return { outputs, errors };
    },
  };
}
