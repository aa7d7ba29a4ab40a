import "server-only";
import type { SchemaRegistryCredentials } from "@sluice/shared";
import type { ServiceContext } from "../context";
import { saveConnection } from "../connections/connection-records";
import { listedSchemaRegistry, registryConflict, sealRegistryCredentials } from "./schema-registry-view";

/** Adds a registry, its basic-auth credentials (optional) sealed; ConflictError when the name is taken. */
export async function createSchemaRegistry(
  ctx: ServiceContext,
  input: { name: string; url: string; credentials?: SchemaRegistryCredentials | undefined },
) {
  const sealed = input.credentials
    ? sealRegistryCredentials(input.credentials, ctx.workspace.id)
    : { credentials: null, credentialsHint: null };
  return saveConnection(ctx, {
    write: (tx) =>
      tx.schemaRegistryConnection.create({
        data: { workspaceId: ctx.workspace.id, name: input.name, url: input.url, ...sealed, createdById: ctx.user.id },
        select: listedSchemaRegistry,
      }),
    audit: (row) => ({
      action: "schemaRegistry.create",
      resourceType: "schema_registry_connection",
      resourceId: row.id,
      summary: { name: row.name, url: row.url, auth: Boolean(input.credentials) },
    }),
    conflict: registryConflict(input.name),
  });
}
