import { resolveParquetColumns } from "../cores/parquet-columns";
import { OPEN_FIELDS } from "../nodes/field-set";
import type { NodeConfig } from "../nodes/registry";
import { type GraphContext, nodeName } from "./graph-context";
import { problem } from "./graph-problem";
import { inferInputFields } from "./infer-fields";

/** An s3-sink writing Parquet without listed columns needs the fields reaching it to be known. */
export function checkParquetColumns(ctx: GraphContext): void {
  const sinks = [...ctx.nodes.values()].filter(
    ({ node, config }) =>
      node.type === "s3-sink" && (config as NodeConfig<"s3-sink"> | undefined)?.format === "parquet",
  );
  if (sinks.length === 0) return;
  const inputs = inferInputFields(ctx);
  for (const { node, config } of sinks) {
    const resolved = resolveParquetColumns(
      (config as NodeConfig<"s3-sink">).columns,
      inputs.get(node.id) ?? OPEN_FIELDS,
    );
    if (!resolved.ok)
      ctx.problems.push(
        problem("node.parquet-columns", `${nodeName(node)}: ${resolved.message}`, {
          nodeId: node.id,
          field: "columns",
        }),
      );
  }
}
