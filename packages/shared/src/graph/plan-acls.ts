// The broker permissions one deployed pipeline needs, for operators who give each workspace its own
// Kafka principal (docs/SECURITY.md). Derived from the same plan the runner materialises, so the list
// names exactly the topics and consumer groups it will touch.
import { consumerGroupId, type Plan, topicScope } from "./deployment-plan";

export type AclOperation = "Read" | "Write" | "Create" | "Describe" | "DescribeConfigs" | "AlterConfigs";

export type BrokerAcl = {
  /** Absent: Sluice's own cluster; otherwise the workspace Kafka connection whose cluster it is on. */
  connectionId?: string;
  resourceType: "topic" | "group";
  patternType: "literal" | "prefixed";
  name: string;
  operations: AclOperation[];
};

/** A principal name for the workspace's runners, e.g. `User:sluice-ws-acme-1x2y3`. */
export const workspacePrincipal = (workspaceSlug: string) => `User:sluice-ws-${workspaceSlug}`;

/**
 * Allow rules for one pipeline: its internal topics (one prefix, created and resized by the runner),
 * its consumer groups (one prefix per cluster it reads, and each group a kafka-source names), and
 * each user topic it reads or writes.
 */
export function planAcls(plan: Plan): BrokerAcl[] {
  const acls: BrokerAcl[] = [
    {
      resourceType: "topic",
      patternType: "prefixed",
      name: `sluice.${topicScope(plan.workspaceId, plan.pipelineId)}.`,
      operations: ["Read", "Write", "Create", "Describe", "DescribeConfigs", "AlterConfigs"],
    },
  ];
  const groupPrefix = consumerGroupId(plan.pipelineId, "");
  const group = {
    resourceType: "group",
    patternType: "prefixed",
    name: groupPrefix,
    operations: ["Read", "Describe"],
  } as const satisfies BrokerAcl;
  // The pipeline's own groups: one prefix per cluster; a group a kafka-source names: that group.
  const ownGroups = plan.stages.filter((s) => s.groupId.startsWith(groupPrefix));
  if (ownGroups.some((s) => !s.connectionId)) acls.push({ ...group, operations: [...group.operations] });
  for (const connectionId of [...new Set(ownGroups.flatMap((s) => (s.connectionId ? [s.connectionId] : [])))].sort()) {
    acls.push({ connectionId, ...group, operations: [...group.operations] });
  }
  for (const stage of plan.stages.filter((s) => !s.groupId.startsWith(groupPrefix))) {
    acls.push({
      ...(stage.connectionId ? { connectionId: stage.connectionId } : {}),
      resourceType: "group",
      patternType: "literal",
      name: stage.groupId,
      operations: ["Read", "Describe"],
    });
  }
  const reads = new Set(plan.stages.filter((s) => s.nodes[0]?.type === "kafka-source").flatMap((s) => s.inputTopics));
  for (const topic of plan.topics) {
    if (topic.kind === "sink") {
      acls.push({
        ...(topic.connectionId ? { connectionId: topic.connectionId } : {}),
        resourceType: "topic",
        patternType: "literal",
        name: topic.name,
        operations: topic.managed ? ["Write", "Create", "Describe"] : ["Write", "Describe"],
      });
    } else if (reads.has(topic.name) && !topic.managed) {
      acls.push({
        ...(topic.connectionId ? { connectionId: topic.connectionId } : {}),
        resourceType: "topic",
        patternType: "literal",
        name: topic.name,
        operations: ["Read", "Describe"],
      });
    }
  }
  return acls;
}

/** The Redpanda `rpk` command that creates one rule (Kafka's kafka-acls.sh takes the same fields). */
export function rpkAclCommand(acl: BrokerAcl, principal: string): string {
  const operations = acl.operations.map((o) => o.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()).join(",");
  return `rpk security acl create --allow-principal '${principal}' --operation ${operations} --${acl.resourceType} '${acl.name}' --resource-pattern-type ${acl.patternType}`;
}
