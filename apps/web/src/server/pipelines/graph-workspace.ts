import type { PrismaClient } from "@sluice/db";
import type { GraphWorkspace, ValidationContext } from "@sluice/shared";
import { knownCredentials } from "./credentials";

/**
 * What validateGraph needs to know about the workspace a graph belongs to: its topic namespace, its
 * Kafka connections and its credentials, so save, publish and deploy refuse what the canvas flags
 * (another workspace's topics, a connection or secret that is not this workspace's).
 */
export async function validationContext(
  db: Pick<PrismaClient, "workspace" | "kafkaConnection" | "schemaRegistryConnection" | "secret" | "apiKey">,
  workspaceId: string,
): Promise<ValidationContext & Required<GraphWorkspace>> {
  const [workspace, connections, registries, credentials] = await Promise.all([
    db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { slug: true } }),
    db.kafkaConnection.findMany({ where: { workspaceId }, select: { id: true } }),
    db.schemaRegistryConnection.findMany({ where: { workspaceId }, select: { id: true } }),
    knownCredentials(db, workspaceId),
  ]);
  return {
    slug: workspace.slug,
    connectionIds: connections.map((c) => c.id),
    registryIds: registries.map((r) => r.id),
    credentials,
  };
}
