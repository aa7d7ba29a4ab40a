import { reservedGroupReason, reservedTopicReason } from "../events/topic-namespace";
import { type GraphContext, nodeName } from "./graph-context";
import { problem } from "./graph-problem";

/** What validateGraph knows about the workspace a graph belongs to (the server and canvas pass it). */
export type GraphWorkspace = {
  /** Names the topic namespace (`ws.<slug>.`): only needed for the length check. */
  slug?: string;
  /** Kafka connections registered in the workspace; when given, other ids are refused. */
  connectionIds?: readonly string[];
  /** Schema registry connections of the workspace; when given, other ids are refused. */
  registryIds?: readonly string[];
};

const KAFKA_NODE_TYPES: ReadonlySet<string> = new Set(["kafka-source", "kafka-sink"]);

/**
 * Streams belong to a workspace: a kafka-source or kafka-sink names its topic without the workspace
 * prefix, never an internal (`sluice.`), namespaced (`ws.`) or broker (`__`) topic, and reaches other
 * clusters only through a connection of its own workspace.
 */
export function checkTopics(ctx: GraphContext, workspace: GraphWorkspace): void {
  const connections = workspace.connectionIds ? new Set(workspace.connectionIds) : undefined;
  const registries = workspace.registryIds ? new Set(workspace.registryIds) : undefined;
  // Named consumer groups per cluster: two sources of one pipeline sharing a group would split its partitions.
  const groups = new Map<string, string>();
  for (const { node } of ctx.nodes.values()) {
    if (!KAFKA_NODE_TYPES.has(node.type)) continue;
    const { topic, connectionId, consumerGroup } = node.config;
    if (node.type === "kafka-source" && typeof consumerGroup === "string" && consumerGroup !== "") {
      const reason = reservedGroupReason(consumerGroup);
      const cluster = `${typeof connectionId === "string" ? connectionId : ""}\u0000${consumerGroup}`;
      const other = groups.get(cluster);
      if (reason)
        ctx.problems.push(
          problem("node.reserved-group", `${nodeName(node)}: ${reason}`, { nodeId: node.id, field: "consumerGroup" }),
        );
      else if (other)
        ctx.problems.push(
          problem(
            "node.duplicate-group",
            `${nodeName(node)} reads with the same consumer group as "${other}"; give each source its own group`,
            { nodeId: node.id, field: "consumerGroup" },
          ),
        );
      else groups.set(cluster, node.id);
    }
    if (typeof topic === "string") {
      const reason = reservedTopicReason(topic, connectionId === undefined ? workspace.slug : undefined);
      if (reason)
        ctx.problems.push(
          problem("node.reserved-topic", `${nodeName(node)}: ${reason}`, { nodeId: node.id, field: "topic" }),
        );
    }
    if (connections && typeof connectionId === "string" && !connections.has(connectionId)) {
      ctx.problems.push(
        problem(
          "node.unknown-connection",
          `${nodeName(node)} uses a Kafka connection that does not exist in this workspace; pick one of its connections or leave it empty for Sluice's cluster`,
          { nodeId: node.id, field: "connectionId" },
        ),
      );
    }
    const { valueFormat, registryId } = node.config;
    if (
      typeof valueFormat === "string" &&
      valueFormat !== "json" &&
      valueFormat !== "string" &&
      typeof registryId !== "string"
    ) {
      ctx.problems.push(
        problem("node.registry-missing", `${nodeName(node)}: the ${valueFormat} format needs a schema registry`, {
          nodeId: node.id,
          field: "registryId",
        }),
      );
    } else if (registries && typeof registryId === "string" && !registries.has(registryId)) {
      ctx.problems.push(
        problem(
          "node.unknown-registry",
          `${nodeName(node)} uses a schema registry that does not exist in this workspace`,
          { nodeId: node.id, field: "registryId" },
        ),
      );
    }
  }
}
