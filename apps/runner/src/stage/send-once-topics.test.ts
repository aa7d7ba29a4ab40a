import { compilePlan, type PipelineGraph, type Plan } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { chain, graph, kafkaChain, sinkColumns, typeWindow } from "../../test/graphs";
import { sendOnceTopics } from "./stage-step";

function plan(g: PipelineGraph): Plan {
  const result = compilePlan({ workspaceId: "ws1", workspaceSlug: "acme", pipelineId: "p1", graph: g });
  if (!result.ok) throw new Error(result.reason);
  return result.plan;
}

/** Per stage id, the input topics it sends once. */
const sendOnce = (p: Plan) => Object.fromEntries(p.stages.map((s) => [s.id, [...sendOnceTopics(p, s)]]));
const topic = (node: string, port: string) => `sluice.ws1.p1.${node}.${port}`;
const count = [{ name: "events", function: "count" }];

describe("sendOnceTopics", () => {
  it("is the window's results where a kafka-sink sends them out, and nothing before the window", () => {
    const p = plan(kafkaChain("clicks", [typeWindow("0s", count)], "counts"));
    expect(sendOnce(p)).toEqual({ src: [], win: [], sink: [topic("win", "out")] });
  });

  it("holds for a stateless chain between the stateful node and the kafka-sink, and for dedup's results", () => {
    const p = plan(
      chain([
        { id: "src", type: "kafka-source", config: { topic: "clicks", startPosition: "earliest" } },
        { id: "dedup", type: "dedup", config: { key: "event.id", window: "1h" } },
        { id: "map", type: "map" },
        { id: "sink", type: "kafka-sink", config: { topic: "unique" } },
      ]),
    );
    expect(sendOnce(p)).toEqual({ src: [], dedup: [], map: [topic("dedup", "out")] });
  });

  it("is nothing for sinks that upsert and for stateless pipelines; a kafka-sink on another cluster counts", () => {
    const toPostgres = plan(
      chain([
        { id: "src", type: "kafka-source", config: { topic: "clicks", startPosition: "earliest" } },
        typeWindow("0s", count),
        { id: "sink", type: "postgres-sink", config: sinkColumns },
      ]),
    );
    expect(Object.values(sendOnce(toPostgres)).flat()).toEqual([]);
    const stateless = plan(kafkaChain("clicks", [{ id: "map", type: "map" }], "copy"));
    expect(Object.values(sendOnce(stateless)).flat()).toEqual([]);
    const elsewhere = plan(
      chain([
        { id: "src", type: "kafka-source", config: { topic: "clicks", startPosition: "earliest" } },
        typeWindow("0s", count),
        { id: "sink", type: "kafka-sink", config: { topic: "counts", connectionId: "conn1" } },
      ]),
    );
    expect(sendOnce(elsewhere)).toEqual({ src: [], win: [], sink: [topic("win", "out")] });
  });

  it("is not a window's dead letters (a dead-letter input)", () => {
    const p = plan(
      graph(
        [
          { id: "src", type: "kafka-source", config: { topic: "clicks", startPosition: "earliest" } },
          typeWindow("0s", count),
          { id: "sink", type: "postgres-sink", config: sinkColumns },
          { id: "rejects", type: "kafka-sink", config: { topic: "rejects" } },
        ],
        [
          ["src", "win"],
          ["win", "sink"],
          ["win", "rejects", { port: "error" }],
        ],
      ),
    );
    expect(Object.values(sendOnce(p)).flat()).toEqual([]);
  });
});
