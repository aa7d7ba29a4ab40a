import "server-only";
import { writeAudit } from "../../audit";
import type { UserServiceContext } from "../context";

function slugify(name: string) {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "workspace";
  return `${base}-${Math.random().toString(36).slice(2, 7)}`;
}

/** A new workspace with the caller as its owner. */
export async function createWorkspace(ctx: UserServiceContext, input: { name: string }) {
  return ctx.prisma.$transaction(async (tx) => {
    const ws = await tx.workspace.create({ data: { name: input.name, slug: slugify(input.name) } });
    await tx.member.create({ data: { workspaceId: ws.id, userId: ctx.user.id, role: "owner" } });
    await writeAudit(tx, {
      workspaceId: ws.id,
      actor: { type: "user", id: ctx.user.id },
      action: "workspace.create",
      resourceType: "workspace",
      resourceId: ws.id,
      outcome: "success",
      request: ctx.request,
      summary: { name: ws.name },
    });
    return { id: ws.id, name: ws.name, slug: ws.slug };
  });
}
