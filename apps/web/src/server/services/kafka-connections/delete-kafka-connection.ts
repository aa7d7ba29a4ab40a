import "server-only";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { deleteUnlessRunning } from "../connections/connection-records";
import { connectionNotFound } from "./kafka-connection-view";

/** Deletes a connection of the workspace; refused while a running deployment reads or writes through it. */
export async function deleteKafkaConnection(ctx: ServiceContext, input: { connectionId: string }): Promise<void> {
  const existing = await ctx.prisma.kafkaConnection.findFirst({
    where: { id: input.connectionId, workspaceId: ctx.workspace.id },
    select: { id: true, name: true },
  });
  if (!existing) throw new NotFoundError(connectionNotFound);
  await deleteUnlessRunning(ctx, {
    ref: { connectionId: existing.id },
    noun: "connection",
    remove: (tx) => tx.kafkaConnection.delete({ where: { id: existing.id } }),
    audit: {
      action: "kafkaConnection.delete",
      resourceType: "kafka_connection",
      resourceId: existing.id,
      summary: { name: existing.name },
    },
  });
}
