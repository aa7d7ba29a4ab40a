import "server-only";
import { z } from "zod";
import { router, scopedProcedure } from "../trpc/init";
import { exportAuditLog } from "../services/audit/export-audit-log";
import { listAuditEntries } from "../services/audit/list-audit-entries";

export const auditRouter = router({
  list: scopedProcedure("audit:read")
    .input(
      z.object({
        action: z.string().trim().max(80).optional(),
        actorId: z.string().max(64).optional(),
        outcome: z.enum(["success", "denied", "error"]).optional(),
        resourceType: z.string().max(64).optional(),
        /** Rows older than this id (keyset pagination, newest first). */
        before: z.bigint().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listAuditEntries(ctx, input)),

  /**
   * The log as a file (CSV or JSON), filtered by time range, actor (email), action and outcome, newest
   * first. The export itself is recorded (who took which slice of the log).
   */
  export: scopedProcedure("audit:read")
    .input(
      z.object({
        format: z.enum(["csv", "json"]),
        from: z.date().optional(),
        to: z.date().optional(),
        actorEmail: z.string().trim().max(320).optional(),
        action: z.string().trim().max(80).optional(),
        outcome: z.enum(["success", "denied", "error"]).optional(),
      }),
    )
    .mutation(({ ctx, input }) => exportAuditLog(ctx, input)),
});
