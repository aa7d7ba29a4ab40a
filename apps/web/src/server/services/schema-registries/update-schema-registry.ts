import "server-only";
import type { SchemaRegistryCredentials } from "@sluice/shared";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { saveConnection } from "../connections/connection-records";
import {
  listedSchemaRegistry,
  registryConflict,
  registryNotFound,
  sealRegistryCredentials,
} from "./schema-registry-view";

/** Replaces name and URL; credentials are kept unless new ones are given or `removeCredentials`. */
export async function updateSchemaRegistry(
  ctx: ServiceContext,
  input: {
    registryId: string;
    name: string;
    url: string;
    credentials?: SchemaRegistryCredentials | undefined;
    removeCredentials?: boolean | undefined;
  },
) {
  const existing = await ctx.prisma.schemaRegistryConnection.findFirst({
    where: { id: input.registryId, workspaceId: ctx.workspace.id },
    select: { id: true },
  });
  if (!existing) throw new NotFoundError(registryNotFound);
  const sealed = input.credentials
    ? sealRegistryCredentials(input.credentials, ctx.workspace.id)
    : input.removeCredentials
      ? { credentials: null, credentialsHint: null }
      : {};
  return saveConnection(ctx, {
    write: (tx) =>
      tx.schemaRegistryConnection.update({
        where: { id: existing.id },
        data: { name: input.name, url: input.url, ...sealed },
        select: listedSchemaRegistry,
      }),
    audit: (row) => ({
      action: "schemaRegistry.update",
      resourceType: "schema_registry_connection",
      resourceId: row.id,
      summary: {
        name: row.name,
        url: row.url,
        credentialsChanged: Boolean(input.credentials) || Boolean(input.removeCredentials),
      },
    }),
    conflict: registryConflict(input.name),
  });
}
