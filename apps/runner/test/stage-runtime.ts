// A single stage's runtime built straight from a compiled plan (no engine, no deployment rows), for
// tests that drive a queue, pool or feeder by hand.
import { compilePlan, type PlanNode, workspaceTopicName } from "@sluice/shared";
import type { Kafka } from "@sluice/kafka";
import { createNodeRuntime, type NodeRuntime } from "../src/stage/executors";
import { buildTopicKeys, type StageRuntime } from "../src/stage/stage-step";
import { graph } from "./graphs";
import { testLogger } from "./services";

const WORKSPACE_SLUG = "stage-test";

/** The broker name of the topic a kafka-sink named `name` writes in these stages' workspace. */
export const stageTopic = (name: string) => workspaceTopicName(WORKSPACE_SLUG, name);

/** ingest -> [map (sets `seen`) -> kafka-sink `outName`, i.e. stageTopic(outName)]: the runtime of the map stage. */
export async function mapToTopicStage(pipelineId: string, outName: string): Promise<StageRuntime> {
  const compiled = compilePlan({
    workspaceId: "ws",
    workspaceSlug: WORKSPACE_SLUG,
    pipelineId,
    graph: graph(
      [
        { id: "ingest", type: "http-ingest" },
        { id: "map", type: "map", config: { assignments: [{ target: "seen", expression: "true" }] } },
        { id: "out", type: "kafka-sink", config: { topic: outName } },
      ],
      [
        ["ingest", "map"],
        ["map", "out"],
      ],
    ),
  });
  if (!compiled.ok) throw new Error(compiled.reason);
  const plan = compiled.plan;
  const stage = plan.stages[0]!;
  const runtimes = new Map<string, NodeRuntime>();
  for (const node of stage.nodes) runtimes.set(node.id, await planNodeRuntime(node, "ws", pipelineId));
  return { plan, stage, runtimes, topicKey: buildTopicKeys(plan) };
}

/**
 * A plan node's runtime as an engine would create it, for a node that needs no secrets; `kafka`: the
 * client its Kafka connections stand for (default: it has none).
 */
export function planNodeRuntime(
  node: PlanNode,
  workspaceId: string,
  pipelineId: string,
  kafka?: Kafka,
): Promise<NodeRuntime> {
  return createNodeRuntime(node.type, node.config, {
    workspaceId,
    pipelineId,
    nodeId: node.id,
    log: testLogger,
    secret: () => Promise.reject(new Error("no secrets")),
    kafka: () => (kafka ? Promise.resolve(kafka) : Promise.reject(new Error("no Kafka connections"))),
  });
}
