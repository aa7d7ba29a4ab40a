import "server-only";
import { z } from "zod";
import { router, scopedProcedure, userProcedure } from "../trpc/init";
import { createPersonalToken } from "../services/personal-tokens/create-personal-token";
import { listPersonalTokens } from "../services/personal-tokens/list-personal-tokens";
import { revokePersonalToken } from "../services/personal-tokens/revoke-personal-token";

/**
 * Personal access tokens for the public HTTP API. A token belongs to one user and one workspace and
 * acts with that user's *current* role there (looked up per request), never more.
 */
export const personalTokenRouter = router({
  list: userProcedure.query(({ ctx }) => listPersonalTokens(ctx)),

  // Any member may create a token for themselves; what it can do is bounded by their role.
  create: scopedProcedure("workspace:read")
    .input(
      z.object({ name: z.string().trim().min(1).max(80), expiresInDays: z.number().int().min(1).max(365).default(90) }),
    )
    .mutation(({ ctx, input }) => createPersonalToken(ctx, input)),

  revoke: userProcedure.input(z.object({ tokenId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    await revokePersonalToken(ctx, input);
    return { ok: true };
  }),
});
