import { partitionForKey } from "@sluice/kafka";
import { compilePlan, eventCount, type NodeConfig, PARTIAL_HEADER, type Plan, WindowConfig } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { type EdgeSpec, graph } from "../../test/graphs";
import { admitPartials, combineTargets, startCombining, UnknownPartials } from "./combine";
import { FENCE_HEADER } from "./fences";

const NOW = Date.parse("2026-01-02T00:00:00Z");
const T0 = Date.parse("2026-01-01T00:00:00Z");
const config: NodeConfig<"window"> = WindowConfig.parse({
  size: "10s",
  eventTimeField: "ts",
  groupBy: [{ name: "type", expression: "event.type" }],
  aggregations: [{ name: "events", function: "count" }],
});

function planWith(lateEdge: boolean): Plan {
  const compiled = compilePlan({
    workspaceId: "ws",
    workspaceSlug: "ws",
    pipelineId: "p",
    graph: graph(
      [
        { id: "ingest", type: "http-ingest" },
        { id: "win", type: "window", config },
        { id: "out", type: "kafka-sink", config: { topic: "out" } },
        ...(lateEdge ? [{ id: "lateOut", type: "kafka-sink" as const, config: { topic: "late" } }] : []),
      ],
      [["ingest", "win"], ["win", "out"], ...(lateEdge ? [["win", "lateOut", { port: "late" }] as EdgeSpec] : [])],
    ),
  });
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.plan;
}

describe("combiner (runner side)", () => {
  it("combines into a window's input unless its Late port has an edge", () => {
    expect([...combineTargets(planWith(false), () => 4).keys()]).toEqual(["sluice.ws.p.ingest.out"]);
    expect(combineTargets(planWith(true), () => 4).size).toBe(0);
  });

  it("sends one partials record per partition, fenced by its first and last event, that a reader applies once", () => {
    const window = combineTargets(planWith(false), () => 4).get("sluice.ws.p.ingest.out")!;
    const topic = "t";
    const keys = new Map([[topic, (e: Record<string, unknown>) => JSON.stringify([e["type"] ?? null])]]);
    const combining = startCombining(new Map([[topic, window]]), keys, "s.0", NOW);
    const types = ["a", "b", "c", "d", "e"];
    for (let i = 0; i < 50; i++)
      expect(combining.add(topic, { type: types[i % 5]!, ts: new Date(T0 + i * 100).toISOString() }, i * 1024)).toBe(
        true,
      );
    combining.add(topic, { type: "a" }, 50 * 1024); // no event time: the window handles it
    expect(combining.add("other", { type: "a" }, 0)).toBe(false);
    const messages = combining.messages();
    const partitions = new Set(types.map((t) => partitionForKey(JSON.stringify([t]), 4)));
    expect(messages.map((m) => m.partition).sort()).toEqual([...partitions].sort());

    const seen: Record<string, number> = {};
    let events = 0;
    for (const m of messages) {
      expect(m.headers?.[FENCE_HEADER]).toMatch(/^s\.0 \d+$/);
      const records = admitPartials(
        m.value as string,
        m.headers![PARTIAL_HEADER]!,
        m.headers![FENCE_HEADER],
        {},
        config,
      );
      events += eventCount(records ?? []);
    }
    expect(events).toBe(51);
    // The same records again (a writer's re-run) are skipped; part of one applies only the rest.
    const home = partitionForKey('["a"]', 4);
    const first = messages.find((m) => m.partition === home)!;
    const args = [first.value as string, first.headers![PARTIAL_HEADER]!, first.headers![FENCE_HEADER]] as const;
    const sameHome = types.filter((t) => partitionForKey(JSON.stringify([t]), 4) === home);
    // One partial per type living there, and the event without a time.
    expect(admitPartials(...args, seen, config)).toHaveLength(sameHome.length + 1);
    expect(admitPartials(...args, seen, config)).toBeUndefined();
    const rest = admitPartials(...args, { "s.0": 20 * 1024 }, config)!;
    const above = Array.from({ length: 50 }, (_, i) => i).filter((i) => sameHome.includes(types[i % 5]!) && i > 20);
    expect(eventCount(rest)).toBe(above.length + 1);
  });

  it("refuses a partials format it does not know", () => {
    expect(() => admitPartials('{"p":[]}', "2 0", "s.0 0", {}, config)).toThrow(UnknownPartials);
  });
});
