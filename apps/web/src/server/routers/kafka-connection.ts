import "server-only";
import { z } from "zod";
import { KafkaConnectionConfig, KafkaConnectionName, KafkaCredentials } from "@sluice/shared";
import { router, scopedProcedure } from "../trpc/init";
import { createKafkaConnection } from "../services/kafka-connections/create-kafka-connection";
import { deleteKafkaConnection } from "../services/kafka-connections/delete-kafka-connection";
import { listKafkaConnections } from "../services/kafka-connections/list-kafka-connections";
import { testKafkaConnection } from "../services/kafka-connections/test-kafka-connection";
import { updateKafkaConnection } from "../services/kafka-connections/update-kafka-connection";

const ConnectionId = z.string().min(1).max(64);

/**
 * Kafka clusters a workspace reaches through kafka-source and kafka-sink. Admins manage them; every
 * member may list them (the canvas offers and checks them). Credentials go in sealed and never come
 * back out: only a masked hint.
 */
export const kafkaConnectionRouter = router({
  list: scopedProcedure("connection:read").query(({ ctx }) => listKafkaConnections(ctx)),

  create: scopedProcedure("connection:manage")
    .input(
      z.object({ name: KafkaConnectionName, config: KafkaConnectionConfig, credentials: KafkaCredentials.optional() }),
    )
    .mutation(({ ctx, input }) => createKafkaConnection(ctx, input)),

  /** Replaces name and config; saved credentials the config still uses are kept unless new ones are given. */
  update: scopedProcedure("connection:manage")
    .input(
      z.object({
        connectionId: ConnectionId,
        name: KafkaConnectionName,
        config: KafkaConnectionConfig,
        credentials: KafkaCredentials.optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateKafkaConnection(ctx, input)),

  /**
   * Connects with a saved connection or with a form's values before saving, and lists the cluster's
   * topics; a refusal is an answer (`ok: false`, its category and a message), not an error.
   */
  test: scopedProcedure("connection:manage")
    .input(
      z
        .object({
          connectionId: ConnectionId.optional(),
          config: KafkaConnectionConfig.optional(),
          credentials: KafkaCredentials.optional(),
        })
        .refine(
          (v) => v.connectionId !== undefined || v.config !== undefined,
          "Give a saved connection or a connection's settings.",
        ),
    )
    .mutation(({ ctx, input }) => testKafkaConnection(ctx, input)),

  /** Refused while a running deployment reads or writes through it. */
  delete: scopedProcedure("connection:manage")
    .input(z.object({ connectionId: ConnectionId }))
    .mutation(async ({ ctx, input }) => {
      await deleteKafkaConnection(ctx, input);
      return { ok: true };
    }),
});
