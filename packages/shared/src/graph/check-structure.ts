import { getNodeDescriptor, isNodeTypeId, nodeRegistry } from "../nodes/registry";
import { resolveOutputPorts } from "../nodes/node-ports";
import { type GraphContext, nodeName } from "./graph-context";
import { formatPath, problem } from "./graph-problem";

/** Ids, node types and versions, configs (one problem per zod issue). */
export function checkNodes(ctx: GraphContext): void {
  for (const node of ctx.graph.nodes) {
    if (ctx.nodes.has(node.id)) {
      ctx.problems.push(problem("node.duplicate-id", `Two nodes share the id "${node.id}"`, { nodeId: node.id }));
      continue;
    }
    const descriptor = getNodeDescriptor(node.type, node.typeVersion);
    if (!descriptor) {
      ctx.problems.push(
        isNodeTypeId(node.type)
          ? problem(
              "node.unknown-type-version",
              `${nodeName(node)} uses version ${node.typeVersion} of "${node.type}", which this Sluice does not know (current: ${nodeRegistry[node.type].typeVersion})`,
              { nodeId: node.id },
            )
          : problem("node.unknown-type", `${nodeName(node)} has unknown type "${node.type}"`, { nodeId: node.id }),
      );
      ctx.nodes.set(node.id, { node, outputs: [], outputsComplete: false });
      continue;
    }
    const parsed = descriptor.configSchema.safeParse(node.config);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.problems.push(
          problem("node.invalid-config", issue.message, { nodeId: node.id, field: formatPath(issue.path) }),
        );
      }
    }
    const outputs = resolveOutputPorts(node) ?? { ports: [], complete: false };
    ctx.nodes.set(node.id, {
      node,
      descriptor,
      ...(parsed.success ? { config: parsed.data } : {}),
      outputs: outputs.ports,
      outputsComplete: outputs.complete,
    });
  }
}

/** Edge ids, endpoints, ports, duplicate connections. */
export function checkEdges(ctx: GraphContext): void {
  const edgeIds = new Set<string>();
  const connections = new Set<string>();
  for (const edge of ctx.graph.edges) {
    if (edgeIds.has(edge.id)) {
      ctx.problems.push(problem("edge.duplicate-id", `Two edges share the id "${edge.id}"`, { edgeId: edge.id }));
      continue;
    }
    edgeIds.add(edge.id);

    const source = ctx.nodes.get(edge.source);
    const target = ctx.nodes.get(edge.target);
    if (!source || !target) {
      const missing = [!source && edge.source, !target && edge.target].filter(Boolean).join(" and ");
      ctx.problems.push(problem("edge.unknown-node", `Edge connects to missing node ${missing}`, { edgeId: edge.id }));
      continue;
    }
    ctx.linkedEdges.push(edge);

    const connection = `${edge.source}\u0000${edge.sourcePort}\u0000${edge.target}\u0000${edge.targetPort}`;
    if (connections.has(connection)) {
      ctx.problems.push(
        problem(
          "edge.duplicate",
          `${nodeName(source.node)} is connected to ${nodeName(target.node)} twice on the same ports`,
          { edgeId: edge.id },
        ),
      );
    }
    connections.add(connection);

    if (!source.descriptor || !target.descriptor) continue; // unknown type already reported
    const from = source.outputs.find((port) => port.name === edge.sourcePort);
    const to = target.descriptor.inputs.find((port) => port.name === edge.targetPort);
    if (!from && source.outputsComplete) {
      ctx.problems.push(
        problem("edge.unknown-port", `${nodeName(source.node)} has no output "${edge.sourcePort}"`, {
          edgeId: edge.id,
          nodeId: source.node.id,
          port: edge.sourcePort,
        }),
      );
    }
    if (!to) {
      const reason =
        target.descriptor.inputs.length === 0 ? "takes no input (it is a source)" : `has no input "${edge.targetPort}"`;
      ctx.problems.push(
        problem("edge.unknown-port", `${nodeName(target.node)} ${reason}`, {
          edgeId: edge.id,
          nodeId: target.node.id,
          port: edge.targetPort,
        }),
      );
    }
    if (from && to) ctx.typedEdges.push({ edge, from, to });
  }
}
