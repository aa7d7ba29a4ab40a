import "server-only";
import type { PrismaClient } from "@sluice/db";
import type { GraphWorkspace } from "@sluice/shared";

/**
 * What validateGraph needs to know about the workspace a graph belongs to: its topic namespace and
 * its Kafka connections, so publish and deploy refuse what the canvas flags (another workspace's
 * topics, a connection that is not this workspace's).
 */
export async function graphWorkspace(db: Pick<PrismaClient, "kafkaConnection">, workspace: { id: string; slug: string }): Promise<Required<GraphWorkspace>> {
  const connections = await db.kafkaConnection.findMany({ where: { workspaceId: workspace.id }, select: { id: true } });
  return { slug: workspace.slug, connectionIds: connections.map((c) => c.id) };
}
