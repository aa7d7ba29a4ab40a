import { credentialReferences } from "./credential-references";
import { type GraphContext, nodeName } from "./graph-context";
import { problem } from "./graph-problem";

/**
 * The credentials a workspace has: ids of its secrets and of its unrevoked ingest API keys. The canvas
 * builds it from the settings lists, the API from the database.
 */
export type KnownCredentials = { secretIds: ReadonlySet<string>; apiKeyIds: ReadonlySet<string> };

/**
 * Flags secret and API-key references that name nothing in the workspace (template placeholders,
 * deleted secrets, revoked keys), on the node and field, so they show before a deploy is attempted.
 */
export function checkCredentials(ctx: GraphContext, known: KnownCredentials): void {
  for (const ref of credentialReferences(ctx.graph)) {
    const node = ctx.nodes.get(ref.nodeId)?.node;
    if (!node) continue;
    const exists = ref.kind === "api-key" ? known.apiKeyIds.has(ref.id) : known.secretIds.has(ref.id);
    if (exists) continue;
    const what = ref.kind === "api-key" ? "API key" : "secret";
    ctx.problems.push(
      problem(
        "node.unknown-credential",
        `${ref.title} of ${nodeName(node)}: no ${what} "${ref.id}" in this workspace. Pick or create one.`,
        { nodeId: node.id, field: ref.field },
      ),
    );
  }
}
