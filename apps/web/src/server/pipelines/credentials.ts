import "server-only";
import { z } from "zod";
import { getNodeDescriptor, type PipelineGraph } from "@sluice/shared";

type Ref = { nodeId: string; field: string; kind: "secret" | "api-key"; id: string };

const fieldCache = new Map<string, { field: string; kind: Ref["kind"] }[]>();

/** Config fields of a node type that hold a secret or API-key id (from the registry's UI metadata). */
function credentialFields(type: string, typeVersion: number) {
  const key = `${type}@${typeVersion}`;
  let fields = fieldCache.get(key);
  if (!fields) {
    const d = getNodeDescriptor(type, typeVersion);
    const schema = d ? (z.toJSONSchema(d.configSchema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, { widget?: string }> }) : {};
    fields = Object.entries(schema.properties ?? {})
      .filter(([, p]) => p.widget === "secret" || p.widget === "api-key")
      .map(([field, p]) => ({ field, kind: p.widget as Ref["kind"] }));
    fieldCache.set(key, fields);
  }
  return fields;
}

/** Every secret / API key a graph refers to, so deploy can check they exist in the workspace. */
export function credentialReferences(graph: PipelineGraph): Ref[] {
  return graph.nodes.flatMap((n) =>
    credentialFields(n.type, n.typeVersion)
      .map(({ field, kind }) => ({ nodeId: n.id, field, kind, id: n.config[field] }))
      .filter((r): r is Ref => typeof r.id === "string" && r.id.length > 0),
  );
}
