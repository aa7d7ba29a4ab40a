import "server-only";
import { partitionChangeProblem, type PipelineGraph, type PipelineSettings } from "@sluice/shared";
import { kafka } from "../kafka";

/**
 * Why the pipeline's existing topics cannot take these settings, or null. Only partitions matter:
 * retention can always be changed, replication applies to new topics, batching to the next deploy.
 * `graphs` are every graph whose state could live in those topics (draft and deployed version).
 */
export async function settingsProblem(input: {
  workspaceId: string;
  pipelineId: string;
  graphs: PipelineGraph[];
  settings: PipelineSettings;
}): Promise<string | null> {
  const wanted = input.settings.topics.partitions;
  if (wanted === undefined) return null;
  // Topic names are `sluice.<workspace>.<pipeline>.<node>.<port>` (portTopicName in the runner's plan).
  const prefix = `sluice.${input.workspaceId}.${input.pipelineId}`;
  const admin = kafka().admin;
  let counts: number[];
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    counts = (await admin.describeTopics(topics)).map((t) => t.partitions.length);
  } catch {
    return "Kafka is unreachable, so the pipeline's existing topics cannot be checked. Try again in a moment.";
  }
  if (counts.length === 0) return null;
  const merged: PipelineGraph = { nodes: input.graphs.flatMap((g) => g.nodes), edges: [] };
  const problem = partitionChangeProblem(merged, Math.max(...counts), wanted);
  if (problem) return problem;
  // Topics created under another default may have fewer: growing those moves keys as well.
  return partitionChangeProblem(merged, Math.min(...counts), wanted);
}
