import "server-only";
import type { ServiceContext } from "../context";
import { maskedSecretSelect } from "./secret-view";

/** The workspace's secrets by name, masked. */
export function listSecrets(ctx: Pick<ServiceContext, "prisma" | "workspace">) {
  return ctx.prisma.secret.findMany({
    where: { workspaceId: ctx.workspace.id },
    select: maskedSecretSelect,
    orderBy: { name: "asc" },
  });
}
