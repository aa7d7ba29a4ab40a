import "server-only";
import { NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { deleteUnlessRunning } from "../connections/connection-records";
import { registryNotFound } from "./schema-registry-view";

/** Deletes a registry of the workspace; refused while a running deployment reads or writes through it. */
export async function deleteSchemaRegistry(ctx: ServiceContext, input: { registryId: string }): Promise<void> {
  const existing = await ctx.prisma.schemaRegistryConnection.findFirst({
    where: { id: input.registryId, workspaceId: ctx.workspace.id },
    select: { id: true, name: true },
  });
  if (!existing) throw new NotFoundError(registryNotFound);
  await deleteUnlessRunning(ctx, {
    ref: { registryId: existing.id },
    noun: "registry",
    remove: (tx) => tx.schemaRegistryConnection.delete({ where: { id: existing.id } }),
    audit: {
      action: "schemaRegistry.delete",
      resourceType: "schema_registry_connection",
      resourceId: existing.id,
      summary: { name: existing.name },
    },
  });
}
