import "server-only";
import { z } from "zod";
import { ROLE_SCOPES } from "@sluice/shared";
import { router, scopedProcedure, userProcedure } from "../trpc/init";
import { createWorkspace } from "../services/workspaces/create-workspace";
import { deleteWorkspace } from "../services/workspaces/delete-workspace";
import { listWorkspaces } from "../services/workspaces/list-workspaces";
import { renameWorkspace } from "../services/workspaces/rename-workspace";
import { transferOwnership } from "../services/workspaces/transfer-ownership";

const WorkspaceName = z.string().trim().min(2, "At least 2 characters").max(60);

export const workspaceRouter = router({
  /** Workspaces the caller belongs to, with their role and its scopes (the UI hides what it can't do). */
  list: userProcedure.query(({ ctx }) => listWorkspaces(ctx)),

  create: userProcedure
    .input(z.object({ name: WorkspaceName }))
    .mutation(({ ctx, input }) => createWorkspace(ctx, input)),

  get: scopedProcedure("workspace:read").query(({ ctx }) => ({
    ...ctx.workspace,
    role: ctx.role,
    scopes: [...ROLE_SCOPES[ctx.role]],
  })),

  /** Makes another member the owner; the current owner becomes an admin. */
  transferOwnership: scopedProcedure("workspace:transfer")
    .input(z.object({ memberId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      await transferOwnership(ctx, input);
      return { ok: true };
    }),

  /** Deletes the workspace and everything in it. The caller must type the workspace name. */
  delete: scopedProcedure("workspace:delete")
    .input(z.object({ confirmName: z.string() }))
    .mutation(async ({ ctx, input }) => {
      await deleteWorkspace(ctx, input);
      return { ok: true };
    }),

  rename: scopedProcedure("workspace:update")
    .input(z.object({ name: WorkspaceName }))
    .mutation(({ ctx, input }) => renameWorkspace(ctx, input)),
});
