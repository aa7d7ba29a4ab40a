import "server-only";
import { z } from "zod";
import { Role } from "@sluice/shared";
import { router, scopedProcedure, userProcedure } from "../trpc/init";
import { acceptInvitation } from "../services/invitations/accept-invitation";
import { createInvitation } from "../services/invitations/create-invitation";
import { listInvitations } from "../services/invitations/list-invitations";
import { previewInvitation } from "../services/invitations/preview-invitation";
import { revokeInvitation } from "../services/invitations/revoke-invitation";

const Token = z.object({ token: z.string().min(20).max(128) });

export const invitationRouter = router({
  list: scopedProcedure("member:manage").query(({ ctx }) => listInvitations(ctx)),

  /** Creates an invitation; the link (with its token) is returned once and never stored. */
  create: scopedProcedure("member:manage")
    .input(z.object({ email: z.string().trim().toLowerCase().email(), role: Role }))
    .mutation(({ ctx, input }) => createInvitation(ctx, input)),

  revoke: scopedProcedure("member:manage")
    .input(z.object({ invitationId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      await revokeInvitation(ctx, input);
      return { ok: true };
    }),

  /** What the invitee sees before accepting. Requires sign-in: the token alone reveals nothing. */
  preview: userProcedure.input(Token).query(({ ctx, input }) => previewInvitation(ctx, input)),

  accept: userProcedure.input(Token).mutation(({ ctx, input }) => acceptInvitation(ctx, input)),
});
