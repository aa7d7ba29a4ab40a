import { z } from "zod";
import type { FieldUi } from "../nodes/field-ui";
import { getNodeDescriptor } from "../nodes/registry";
import type { PipelineGraph } from "./pipeline-graph";

/** A config field that names a workspace secret or ingest API key by id. */
export type CredentialField = {
  field: string;
  kind: "secret" | "api-key";
  /** What the secret holds (a Postgres connection string, a hash salt, ...); absent for API keys. */
  secretKind?: FieldUi["secretKind"];
  title: string;
};

/** One credential a node of a graph refers to. */
export type CredentialReference = CredentialField & { nodeId: string; nodeType: string; id: string };

const fieldCache = new Map<string, CredentialField[]>();

/** The credential fields of a node type, read from the registry's UI metadata (cached per type version). */
export function credentialFields(type: string, typeVersion: number): CredentialField[] {
  const key = `${type}@${typeVersion}`;
  let fields = fieldCache.get(key);
  if (!fields) {
    const descriptor = getNodeDescriptor(type, typeVersion);
    const schema = descriptor
      ? (z.toJSONSchema(descriptor.configSchema, { io: "input", unrepresentable: "any" }) as {
          properties?: Record<string, Partial<FieldUi>>;
        })
      : {};
    fields = Object.entries(schema.properties ?? {})
      .filter(([, p]) => p.widget === "secret" || p.widget === "api-key")
      .map(([field, p]) => ({
        field,
        kind: p.widget === "api-key" ? "api-key" : "secret",
        ...(p.secretKind ? { secretKind: p.secretKind } : {}),
        title: p.title ?? field,
      }));
    fieldCache.set(key, fields);
  }
  return fields;
}

/** Every secret / API key id a graph's nodes name (set, non-empty values only). */
export function credentialReferences(graph: PipelineGraph): CredentialReference[] {
  return graph.nodes.flatMap((node) =>
    credentialFields(node.type, node.typeVersion).flatMap((f) => {
      const id = node.config[f.field];
      return typeof id === "string" && id.length > 0 ? [{ ...f, nodeId: node.id, nodeType: node.type, id }] : [];
    }),
  );
}
