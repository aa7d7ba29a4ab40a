import "server-only";
import type { KafkaConnectionConfig, KafkaCredentials } from "@sluice/shared";
import type { ServiceContext } from "../context";
import { saveConnection } from "../connections/connection-records";
import {
  connectionConflict,
  kafkaConnectionSummary,
  listedKafkaConnection,
  sealKafkaCredentials,
} from "./kafka-connection-view";

/** Registers a cluster with its credentials sealed; ConflictError when the name is taken. */
export async function createKafkaConnection(
  ctx: ServiceContext,
  input: { name: string; config: KafkaConnectionConfig; credentials?: KafkaCredentials | undefined },
) {
  const sealed = sealKafkaCredentials(input.config, input.credentials, ctx.workspace.id);
  return saveConnection(ctx, {
    write: async (tx) => {
      const row = await tx.kafkaConnection.create({
        data: {
          workspaceId: ctx.workspace.id,
          name: input.name,
          config: input.config,
          ...sealed,
          createdById: ctx.user.id,
        },
        select: listedKafkaConnection,
      });
      return { ...row, config: input.config };
    },
    audit: (row) => ({
      action: "kafkaConnection.create",
      resourceType: "kafka_connection",
      resourceId: row.id,
      summary: kafkaConnectionSummary(row.name, input.config),
    }),
    conflict: connectionConflict(input.name),
  });
}
