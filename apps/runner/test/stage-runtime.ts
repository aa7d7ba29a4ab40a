// A single stage's runtime built straight from a compiled plan (no engine, no deployment rows), for
// tests that drive a queue, pool or feeder by hand.
import { compilePlan } from "@sluice/shared";
import { createNodeRuntime, type NodeRuntime } from "../src/engine/executors";
import { buildTopicKeys, type StageRuntime } from "../src/engine/stage-step";
import { graph } from "./graphs";
import { testLogger } from "./services";

/** ingest -> [map (sets `seen`) -> kafka-sink `outTopic`]: the runtime of the map stage. */
export async function mapToTopicStage(pipelineId: string, outTopic: string): Promise<StageRuntime> {
  const compiled = compilePlan({
    workspaceId: "ws",
    pipelineId,
    graph: graph(
      [
        { id: "ingest", type: "http-ingest" },
        { id: "map", type: "map", config: { assignments: [{ target: "seen", expression: "true" }] } },
        { id: "out", type: "kafka-sink", config: { topic: outTopic } },
      ],
      [["ingest", "map"], ["map", "out"]],
    ),
  });
  if (!compiled.ok) throw new Error(compiled.reason);
  const plan = compiled.plan;
  const stage = plan.stages[0]!;
  const runtimes = new Map<string, NodeRuntime>();
  for (const node of stage.nodes) {
    runtimes.set(node.id, await createNodeRuntime(node.type, node.config, { workspaceId: "ws", pipelineId, nodeId: node.id, log: testLogger, secret: () => Promise.reject(new Error("no secrets")) }));
  }
  return { plan, stage, runtimes, topicKey: buildTopicKeys(plan) };
}
