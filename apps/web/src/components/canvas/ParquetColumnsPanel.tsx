"use client";
import { useMemo } from "react";
import {
  getNodeDescriptor,
  inputFieldsOf,
  type NodeConfig,
  OPEN_FIELDS,
  type PipelineGraph,
  type PipelineNode,
  resolveParquetColumns,
} from "@sluice/shared";

/**
 * For an s3-sink writing Parquet: the columns it will write and the type of each, with where the type
 * comes from (set on the node, known upstream, or the string fallback), as compilePlan decides them.
 */
export function ParquetColumnsPanel({ node, graph }: { node: PipelineNode; graph: PipelineGraph }) {
  const resolved = useMemo(() => {
    // The node's own version: in version 1 a column without a type is string, not auto.
    const parsed = getNodeDescriptor(node.type, node.typeVersion)?.configSchema.safeParse(node.config);
    if (!parsed?.success) return undefined;
    const config = parsed.data as NodeConfig<"s3-sink">;
    if (config.format !== "parquet") return undefined;
    return resolveParquetColumns(config.columns, inputFieldsOf(graph).get(node.id) ?? OPEN_FIELDS);
  }, [graph, node.config, node.id, node.type, node.typeVersion]);
  if (!resolved) return null;
  return (
    <section
      aria-label="Parquet columns"
      className="space-y-2 rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700"
      data-testid="parquet-columns"
    >
      <h3 className="font-medium">Parquet columns</h3>
      {!resolved.ok ? (
        <p className="text-xs text-red-700 dark:text-red-300">{resolved.message}</p>
      ) : (
        <>
          <table className="w-full text-xs">
            <thead className="text-left text-slate-500">
              <tr>
                <th className="font-normal">Column</th>
                <th className="font-normal">Type</th>
                <th className="font-normal">From</th>
              </tr>
            </thead>
            <tbody>
              {resolved.columns.map((column) => (
                <tr key={column.name} data-typed={column.typed}>
                  <td className="py-0.5 pr-2 font-mono" title={`field ${column.field}`}>
                    {column.name}
                  </td>
                  <td className={`py-0.5 pr-2 font-mono ${column.typed ? "" : "text-amber-700 dark:text-amber-300"}`}>
                    {column.type}
                  </td>
                  <td className="py-0.5 text-slate-500">{column.how}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="text-xs text-slate-500">
            An event whose value does not fit its column goes to the error output with the column named.
          </p>
        </>
      )}
    </section>
  );
}
