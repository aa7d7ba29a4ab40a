import { describe, expect, it } from "vitest";
import { compilePlan } from "./deployment-plan";
import type { PipelineGraph } from "./pipeline-graph";
import { planAcls, rpkAclCommand, workspacePrincipal } from "./plan-acls";

const position = { x: 0, y: 0 };
const graph: PipelineGraph = {
  nodes: [
    { id: "src", type: "kafka-source", typeVersion: 1, config: { topic: "orders" }, position },
    { id: "ext", type: "kafka-source", typeVersion: 1, config: { topic: "clicks", connectionId: "c1" }, position },
    { id: "f", type: "filter", typeVersion: 1, config: { condition: "true" }, position },
    { id: "out", type: "kafka-sink", typeVersion: 1, config: { topic: "big-orders" }, position },
    { id: "mirror", type: "kafka-sink", typeVersion: 1, config: { topic: "mirror", connectionId: "c1" }, position },
  ],
  edges: [
    { id: "e1", source: "src", sourcePort: "out", target: "f", targetPort: "in" },
    { id: "e2", source: "f", sourcePort: "out", target: "out", targetPort: "in" },
    { id: "e3", source: "ext", sourcePort: "out", target: "mirror", targetPort: "in" },
  ],
};

describe("planAcls", () => {
  it("lists the pipeline's internal prefix, its group prefix per cluster and each user topic it reads or writes", () => {
    const compiled = compilePlan({
      workspaceId: "w1",
      workspaceSlug: "acme",
      pipelineId: "p1",
      graph,
      connectionIds: ["c1"],
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(planAcls(compiled.plan)).toEqual([
      {
        resourceType: "topic",
        patternType: "prefixed",
        name: "sluice.w1.p1.",
        operations: ["Read", "Write", "Create", "Describe", "DescribeConfigs", "AlterConfigs"],
      },
      { resourceType: "group", patternType: "prefixed", name: "sluice.p1.", operations: ["Read", "Describe"] },
      {
        connectionId: "c1",
        resourceType: "group",
        patternType: "prefixed",
        name: "sluice.p1.",
        operations: ["Read", "Describe"],
      },
      {
        connectionId: "c1",
        resourceType: "topic",
        patternType: "literal",
        name: "clicks",
        operations: ["Read", "Describe"],
      },
      {
        connectionId: "c1",
        resourceType: "topic",
        patternType: "literal",
        name: "mirror",
        operations: ["Write", "Describe"],
      },
      {
        resourceType: "topic",
        patternType: "literal",
        name: "ws.acme.big-orders",
        operations: ["Write", "Create", "Describe"],
      },
      { resourceType: "topic", patternType: "literal", name: "ws.acme.orders", operations: ["Read", "Describe"] },
    ]);
  });

  it("lists a group a kafka-source names as that group, on its cluster, instead of the pipeline's prefix", () => {
    const named: PipelineGraph = {
      ...graph,
      nodes: graph.nodes.map((n) =>
        n.id === "src"
          ? { ...n, config: { ...n.config, consumerGroup: "orders-team" } }
          : n.id === "ext"
            ? { ...n, config: { ...n.config, consumerGroup: "clicks-team" } }
            : n,
      ),
    };
    const compiled = compilePlan({ workspaceId: "w1", workspaceSlug: "acme", pipelineId: "p1", graph: named });
    if (!compiled.ok) throw new Error(compiled.reason);
    const groups = planAcls(compiled.plan).filter((acl) => acl.resourceType === "group");
    expect(groups).toEqual([
      {
        connectionId: "c1",
        resourceType: "group",
        patternType: "literal",
        name: "clicks-team",
        operations: ["Read", "Describe"],
      },
      { resourceType: "group", patternType: "literal", name: "ws.acme.orders-team", operations: ["Read", "Describe"] },
    ]);
  });

  it("renders an rpk command per rule", () => {
    expect(
      rpkAclCommand(
        {
          resourceType: "topic",
          patternType: "prefixed",
          name: "sluice.w1.p1.",
          operations: ["Read", "DescribeConfigs"],
        },
        workspacePrincipal("acme"),
      ),
    ).toBe(
      "rpk security acl create --allow-principal 'User:sluice-ws-acme' --operation read,describe_configs --topic 'sluice.w1.p1.' --resource-pattern-type prefixed",
    );
  });
});
