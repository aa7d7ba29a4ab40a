import "server-only";
import type { Role } from "@sluice/shared";
import { InvalidInputError, NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { assertMayManage } from "./member-guards";

/** Gives another member a role the caller may grant; the last owner stays an owner. */
export async function updateMemberRole(ctx: ServiceContext, input: { memberId: string; role: Role }) {
  const target = await ctx.prisma.member.findFirst({
    where: { id: input.memberId, workspaceId: ctx.workspace.id },
  });
  if (!target) throw new NotFoundError("Member not found.");
  assertMayManage(ctx.role, ctx.user.id, { role: target.role as Role, userId: target.userId }, input.role);
  return ctx.prisma.$transaction(async (tx) => {
    if (target.role === "owner" && input.role !== "owner") {
      const owners = await tx.member.count({ where: { workspaceId: ctx.workspace.id, role: "owner" } });
      if (owners <= 1) throw new InvalidInputError("A workspace needs at least one owner.");
    }
    const m = await tx.member.update({ where: { id: target.id }, data: { role: input.role } });
    await ctx.audit(
      {
        action: "member.updateRole",
        resourceType: "member",
        resourceId: m.id,
        summary: { userId: m.userId, before: target.role, after: m.role },
      },
      tx,
    );
    return { id: m.id, role: m.role as Role };
  });
}
