import { type GraphContext, nodeName } from "./graph-context";
import { cyclicComponents, reachableFrom } from "./graph-topology";
import { problem } from "./graph-problem";

/** Cycles, sources and sinks, reachability, unconnected required inputs and dead-end outputs. */
export function checkTopology(ctx: GraphContext): void {
  const ids = [...ctx.nodes.keys()];
  const resolved = [...ctx.nodes.values()];

  for (const component of cyclicComponents(ids, ctx.linkedEdges)) {
    const members = new Set(component);
    const names = component.map((id) => nodeName(ctx.nodes.get(id)!.node)).join(" → ");
    for (const edge of ctx.linkedEdges) {
      if (members.has(edge.source) && members.has(edge.target)) {
        ctx.problems.push(problem("graph.cycle", `Events would loop forever through ${names}`, { edgeId: edge.id }));
      }
    }
  }

  const sources = resolved.filter((n) => n.descriptor?.category === "source").map((n) => n.node.id);
  if (sources.length === 0)
    ctx.problems.push(
      problem(
        "graph.no-source",
        "Add a source (HTTP ingest, Generator or Kafka topic) so events can enter the pipeline",
      ),
    );
  if (!resolved.some((n) => n.descriptor?.category === "sink")) {
    ctx.problems.push(
      problem("graph.no-sink", "Add a sink (PostgreSQL, Redis, Webhook or Kafka topic) so results are kept somewhere"),
    );
  }

  const reachable = reachableFrom(sources, ids, ctx.linkedEdges);
  for (const { node, descriptor } of resolved) {
    if (sources.length > 0 && !reachable.has(node.id)) {
      ctx.problems.push(
        problem("node.unreachable", `No events reach ${nodeName(node)}: it is not connected to any source`, {
          nodeId: node.id,
        }),
      );
    }
    if (!descriptor) continue;
    for (const input of descriptor.inputs) {
      const connected = ctx.linkedEdges.some((edge) => edge.target === node.id && edge.targetPort === input.name);
      if (input.required && !connected) {
        ctx.problems.push(
          problem("node.input-not-connected", `Connect something to the "${input.label}" input of ${nodeName(node)}`, {
            nodeId: node.id,
            port: input.name,
          }),
        );
      }
    }
  }

  for (const { node, descriptor, outputs } of resolved) {
    if (!descriptor || descriptor.category === "sink") continue;
    const dataPorts = outputs.filter((port) => port.name !== "error");
    const used = dataPorts.some((port) =>
      ctx.linkedEdges.some((edge) => edge.source === node.id && edge.sourcePort === port.name),
    );
    if (dataPorts.length > 0 && !used) {
      ctx.problems.push(
        problem("node.output-not-connected", `The output of ${nodeName(node)} goes nowhere`, { nodeId: node.id }),
      );
    }
  }
}
