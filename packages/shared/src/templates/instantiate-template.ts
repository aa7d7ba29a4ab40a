import { type CredentialField, credentialReferences } from "../graph/credential-references";
import type { PipelineGraph } from "../graph/pipeline-graph";
import type { PipelineTemplate } from "./pipeline-template";

/** A credential placeholder of a template and the nodes that use it (one placeholder may serve several). */
export type TemplateCredential = CredentialField & { placeholder: string; nodes: { id: string; label: string }[] };

/** The distinct credential placeholders of a template, in graph order. */
export function templateCredentials(template: PipelineTemplate): TemplateCredential[] {
  const byPlaceholder = new Map<string, TemplateCredential>();
  for (const ref of credentialReferences(template.graph)) {
    const label = template.graph.nodes.find((n) => n.id === ref.nodeId)?.label ?? ref.nodeId;
    const entry = byPlaceholder.get(ref.id);
    if (entry) entry.nodes.push({ id: ref.nodeId, label });
    else
      byPlaceholder.set(ref.id, {
        field: ref.field,
        kind: ref.kind,
        ...(ref.secretKind ? { secretKind: ref.secretKind } : {}),
        title: ref.title,
        placeholder: ref.id,
        nodes: [{ id: ref.nodeId, label }],
      });
  }
  return [...byPlaceholder.values()];
}

export type TemplateBindings = {
  /** Placeholder id -> the workspace secret or API key id picked for it; unbound placeholders stay. */
  credentials?: Readonly<Record<string, string>>;
  /** Appended to http-ingest path keys, which must be unique among running pipelines. */
  pathKeySuffix?: string;
};

/** The template's graph with the picked credentials filled in. */
export function instantiateTemplate(template: PipelineTemplate, bindings: TemplateBindings = {}): PipelineGraph {
  const credentials = bindings.credentials ?? {};
  const refs = credentialReferences(template.graph);
  return {
    ...template.graph,
    nodes: template.graph.nodes.map((node) => {
      const config = { ...node.config };
      for (const ref of refs) {
        const picked = credentials[ref.id];
        if (ref.nodeId === node.id && picked) config[ref.field] = picked;
      }
      if (node.type === "http-ingest" && bindings.pathKeySuffix && typeof config.pathKey === "string")
        config.pathKey = `${config.pathKey}-${bindings.pathKeySuffix}`;
      return { ...node, config };
    }),
  };
}
