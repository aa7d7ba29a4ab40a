import "server-only";
import type { ServiceContext } from "../context";
import { listedSchemaRegistry } from "./schema-registry-view";

/** The workspace's schema registries by name, credentials masked. */
export function listSchemaRegistries(ctx: Pick<ServiceContext, "prisma" | "workspace">) {
  return ctx.prisma.schemaRegistryConnection.findMany({
    where: { workspaceId: ctx.workspace.id },
    select: listedSchemaRegistry,
    orderBy: { name: "asc" },
  });
}
