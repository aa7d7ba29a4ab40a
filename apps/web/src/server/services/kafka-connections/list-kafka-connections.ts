import "server-only";
import { KafkaConnectionConfig } from "@sluice/shared";
import type { ServiceContext } from "../context";
import { listedKafkaConnection } from "./kafka-connection-view";

/** The workspace's Kafka connections by name, credentials masked. */
export async function listKafkaConnections(ctx: Pick<ServiceContext, "prisma" | "workspace">) {
  const rows = await ctx.prisma.kafkaConnection.findMany({
    where: { workspaceId: ctx.workspace.id },
    select: listedKafkaConnection,
    orderBy: { name: "asc" },
  });
  return rows.map((row) => ({ ...row, config: KafkaConnectionConfig.parse(row.config) }));
}
