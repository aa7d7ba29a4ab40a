import "server-only";
import { z } from "zod";
import { Role } from "@sluice/shared";
import { router, scopedProcedure } from "../trpc/init";
import { leaveWorkspace } from "../services/members/leave-workspace";
import { listMembers } from "../services/members/list-members";
import { removeMember } from "../services/members/remove-member";
import { updateMemberRole } from "../services/members/update-member-role";

const MemberId = z.object({ memberId: z.string().min(1).max(64) });

export const memberRouter = router({
  list: scopedProcedure("member:read").query(({ ctx }) => listMembers(ctx)),

  updateRole: scopedProcedure("member:manage")
    .input(MemberId.extend({ role: Role }))
    .mutation(({ ctx, input }) => updateMemberRole(ctx, input)),

  /** Leaves the workspace. The last owner must transfer ownership (or delete the workspace) first. */
  leave: scopedProcedure("workspace:read")
    // An explicit confirmation keeps a stray call (or a test probing scopes) from removing you.
    .input(z.object({ confirm: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await leaveWorkspace(ctx);
      return { ok: true };
    }),

  remove: scopedProcedure("member:manage")
    .input(MemberId)
    .mutation(async ({ ctx, input }) => {
      await removeMember(ctx, input);
      return { ok: true };
    }),
});
