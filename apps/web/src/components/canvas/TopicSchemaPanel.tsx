"use client";
import { useQuery } from "@tanstack/react-query";
import { isRegistryFormat, type JsonValue, type PipelineNode } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";

/**
 * For a kafka-source read through a schema registry: the topic's latest value schema, and a button
 * that makes its fields (and their types) the node's known output fields (what downstream field
 * checks and typed Parquet columns use).
 */
export function TopicSchemaPanel({
  node,
  workspaceId,
  readOnly,
  onConfig,
}: {
  node: PipelineNode;
  workspaceId: string;
  readOnly: boolean;
  onConfig: (config: Record<string, JsonValue>, field: string) => void;
}) {
  const trpc = useTRPC();
  const { topic, registryId, connectionId, valueFormat, schemaFields, schemaFieldTypes } = node.config as {
    topic?: unknown;
    registryId?: unknown;
    connectionId?: unknown;
    valueFormat?: unknown;
    schemaFields?: unknown;
    schemaFieldTypes?: unknown;
  };
  const ready =
    node.type === "kafka-source" &&
    typeof valueFormat === "string" &&
    isRegistryFormat(valueFormat) &&
    typeof registryId === "string" &&
    typeof topic === "string" &&
    topic !== "";
  const latest = useQuery({
    ...trpc.schemaRegistry.latestSchema.queryOptions({
      workspaceId,
      registryId: typeof registryId === "string" ? registryId : "",
      topic: typeof topic === "string" ? topic : "",
      ...(typeof connectionId === "string" ? { connectionId } : {}),
    }),
    enabled: ready,
    retry: false,
    refetchOnWindowFocus: false,
  });
  if (!ready) return null;
  const data = latest.data;
  const current = Array.isArray(schemaFields) ? (schemaFields as string[]) : [];
  const currentTypes = JSON.stringify(Array.isArray(schemaFieldTypes) ? schemaFieldTypes : []);
  const inUse =
    data?.found && data.fields
      ? data.fields.paths.length === current.length &&
        data.fields.paths.every((p, i) => current[i] === p) &&
        JSON.stringify(data.fields.types) === currentTypes
      : false;
  const types = new Map(data?.found && data.fields ? data.fields.types.map((t) => [t.path, t.type]) : []);
  return (
    <section
      aria-label="Topic schema"
      className="space-y-2 rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700"
      data-testid="topic-schema"
    >
      <h3 className="font-medium">Topic schema</h3>
      {latest.isLoading && <p className="text-xs text-slate-500">Reading the registry…</p>}
      {latest.error && <p className="text-xs text-red-700 dark:text-red-300">{latest.error.message}</p>}
      {data && !data.found && <p className="text-xs text-amber-700 dark:text-amber-300">{data.message}</p>}
      {data?.found && (
        <>
          <p className="text-xs text-slate-600 dark:text-slate-300">
            <span className="font-mono">{data.subject}</span> · version {data.version} · id {data.id} ·{" "}
            {data.schemaType}
          </p>
          {data.problem && <p className="text-xs text-red-700 dark:text-red-300">{data.problem}</p>}
          {data.fields && (
            <ul aria-label="Schema fields" className="flex flex-wrap gap-1">
              {data.fields.paths.map((path) => (
                <li key={path} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">
                  {path}
                  {types.get(path) && <span className="text-slate-500"> · {types.get(path)}</span>}
                </li>
              ))}
            </ul>
          )}
          <details>
            <summary className="cursor-pointer text-xs text-slate-500">Schema</summary>
            <pre className="mt-1 max-h-48 overflow-auto rounded bg-slate-50 p-2 text-[11px] dark:bg-slate-950">
              {data.schema}
            </pre>
          </details>
          {data.fields && !readOnly && (
            <button
              type="button"
              className="btn-secondary"
              disabled={inUse}
              onClick={() =>
                onConfig(
                  {
                    ...(node.config as Record<string, JsonValue>),
                    schemaFields: data.fields!.paths,
                    schemaFieldTypes: data.fields!.types,
                  },
                  "schemaFields",
                )
              }
            >
              {inUse ? "Schema fields in use" : "Use the schema's fields"}
            </button>
          )}
        </>
      )}
    </section>
  );
}
