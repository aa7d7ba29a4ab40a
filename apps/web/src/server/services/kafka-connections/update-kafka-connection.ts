import "server-only";
import {
  credentialsFor,
  needsCredentials,
  unusedCredentials,
  type KafkaConnectionConfig,
  type KafkaCredentials,
} from "@sluice/shared";
import { InvalidInputError, NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { saveConnection } from "../connections/connection-records";
import {
  connectionConflict,
  connectionNotFound,
  kafkaConnectionSummary,
  listedKafkaConnection,
  openKafkaCredentials,
  sealKafkaCredentials,
} from "./kafka-connection-view";

/**
 * Replaces name and config; saved credentials the config still uses are kept unless new ones are
 * given (a new password keeps the saved client certificate, and the other way round).
 */
export async function updateKafkaConnection(
  ctx: ServiceContext,
  input: {
    connectionId: string;
    name: string;
    config: KafkaConnectionConfig;
    credentials?: KafkaCredentials | undefined;
  },
) {
  const existing = await ctx.prisma.kafkaConnection.findFirst({
    where: { id: input.connectionId, workspaceId: ctx.workspace.id },
    select: { id: true, credentials: true, credentialsHint: true },
  });
  if (!existing) throw new NotFoundError(connectionNotFound);
  const unused = unusedCredentials(input.config.security, input.credentials);
  if (unused) throw new InvalidInputError(unused);
  const keep = needsCredentials(input.config.security) && !input.credentials && existing.credentials;
  const sealed = keep
    ? { credentials: existing.credentials, credentialsHint: existing.credentialsHint }
    : sealKafkaCredentials(
        input.config,
        credentialsFor(
          input.config.security,
          openKafkaCredentials(existing.credentials, ctx.workspace.id),
          input.credentials,
        ),
        ctx.workspace.id,
      );
  return saveConnection(ctx, {
    write: async (tx) => {
      const row = await tx.kafkaConnection.update({
        where: { id: existing.id },
        data: { name: input.name, config: input.config, ...sealed },
        select: listedKafkaConnection,
      });
      return { ...row, config: input.config };
    },
    audit: (row) => ({
      action: "kafkaConnection.update",
      resourceType: "kafka_connection",
      resourceId: row.id,
      summary: {
        ...kafkaConnectionSummary(row.name, input.config),
        credentialsChanged: !keep && Boolean(input.credentials),
      },
    }),
    conflict: connectionConflict(input.name),
  });
}
