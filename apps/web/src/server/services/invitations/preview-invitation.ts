import "server-only";
import type { Role } from "@sluice/shared";
import type { UserServiceContext } from "../context";
import { findOpenInvitation } from "./open-invitation";

/** What the signed-in invitee sees before accepting. */
export async function previewInvitation(
  ctx: Pick<UserServiceContext, "prisma"> & { user: { email: string } },
  input: { token: string },
) {
  const inv = await findOpenInvitation(ctx.prisma, input.token);
  return {
    workspaceName: inv.workspace.name,
    role: inv.role as Role,
    email: inv.email,
    invitedBy: inv.invitedBy.name,
    matchesYou: inv.email === ctx.user.email.toLowerCase(),
  };
}
