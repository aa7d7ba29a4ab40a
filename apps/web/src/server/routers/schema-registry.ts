import "server-only";
import { z } from "zod";
import { KafkaTopicName, SchemaRegistryCredentials, SchemaRegistryName, SchemaRegistryUrl } from "@sluice/shared";
import { router, scopedProcedure } from "../trpc/init";
import { createSchemaRegistry } from "../services/schema-registries/create-schema-registry";
import { deleteSchemaRegistry } from "../services/schema-registries/delete-schema-registry";
import { getLatestSchema } from "../services/schema-registries/get-latest-schema";
import { listSchemaRegistries } from "../services/schema-registries/list-schema-registries";
import { testSchemaRegistry } from "../services/schema-registries/test-schema-registry";
import { updateSchemaRegistry } from "../services/schema-registries/update-schema-registry";

const RegistryId = z.string().min(1).max(64);

/**
 * Confluent-compatible schema registries of a workspace. Admins manage them; every member may list
 * them and read a topic's latest schema (the canvas shows it). Basic-auth credentials go in sealed
 * and never come back out: only a masked hint.
 */
export const schemaRegistryRouter = router({
  list: scopedProcedure("connection:read").query(({ ctx }) => listSchemaRegistries(ctx)),

  create: scopedProcedure("connection:manage")
    .input(
      z.object({ name: SchemaRegistryName, url: SchemaRegistryUrl, credentials: SchemaRegistryCredentials.optional() }),
    )
    .mutation(({ ctx, input }) => createSchemaRegistry(ctx, input)),

  /** Replaces name and URL; credentials are kept unless new ones are given or `removeCredentials`. */
  update: scopedProcedure("connection:manage")
    .input(
      z.object({
        registryId: RegistryId,
        name: SchemaRegistryName,
        url: SchemaRegistryUrl,
        credentials: SchemaRegistryCredentials.optional(),
        removeCredentials: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateSchemaRegistry(ctx, input)),

  /** Refused while a running deployment reads or writes through it. */
  delete: scopedProcedure("connection:manage")
    .input(z.object({ registryId: RegistryId }))
    .mutation(async ({ ctx, input }) => {
      await deleteSchemaRegistry(ctx, input);
      return { ok: true };
    }),

  /** "Test connection": lists the registry's subjects and reads its global compatibility mode. */
  test: scopedProcedure("connection:manage")
    .input(z.object({ registryId: RegistryId }))
    .mutation(({ ctx, input }) => testSchemaRegistry(ctx, input)),

  /** The latest schema of a topic's value subject and the field paths it declares. */
  latestSchema: scopedProcedure("connection:read")
    .input(
      z.object({ registryId: RegistryId, topic: KafkaTopicName, connectionId: z.string().min(1).max(64).optional() }),
    )
    .query(({ ctx, input }) => getLatestSchema(ctx, input)),
});
