import { DEAD_LETTER_FIELDS } from "../events/dead-letter-record";
import { type FieldSet, knownFields, OPEN_FIELDS, typedFrom, unionFields } from "../nodes/field-set";
import type { OutputPort } from "../nodes/port";
import { groupByTarget } from "./check-port-kinds";
import type { GraphContext, ResolvedNode } from "./graph-context";
import { topologicalOrder } from "./graph-topology";

const DEAD_LETTER_TYPES = typedFrom("dead-letter record", {
  event: "object",
  "error.code": "string",
  "error.message": "string",
  "error.nodeId": "string",
  "error.failedAt": "timestamp",
});

/**
 * Fields arriving at each node's input, inferred source to sink. Anything uncertain (unknown type,
 * invalid config, cycles, an existing Kafka topic) becomes "open" so it never causes a warning.
 */
export function inferInputFields(ctx: GraphContext): Map<string, FieldSet> {
  const incoming = groupByTarget(ctx.typedEdges);
  const inputs = new Map<string, FieldSet>();
  for (const id of topologicalOrder(
    [...ctx.nodes.keys()],
    ctx.typedEdges.map((typed) => typed.edge),
  )) {
    const edges = incoming.get(id) ?? [];
    inputs.set(
      id,
      edges.length === 0
        ? OPEN_FIELDS
        : unionFields(
            edges.map((typed) => {
              const source = ctx.nodes.get(typed.edge.source)!;
              return portFields(source, typed.from, inputs.get(source.node.id) ?? OPEN_FIELDS);
            }),
          ),
    );
  }
  return inputs;
}

function portFields(source: ResolvedNode, port: OutputPort, input: FieldSet): FieldSet {
  if (port.name === "error") return knownFields(DEAD_LETTER_FIELDS, DEAD_LETTER_TYPES);
  if (port.unchanged) return input;
  const outputFields = source.descriptor?.outputFields;
  if (!outputFields) return input;
  return source.config === undefined ? OPEN_FIELDS : outputFields(source.config, input);
}
