import "server-only";
import { z } from "zod";
import { auditCsv } from "../audit-export";
import { router, scopedProcedure } from "../trpc/init";

/** Rows one export may hold; narrow the time range for more. */
const EXPORT_MAX_ROWS = 50_000;

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
    .query(async ({ ctx, input }) => {
      const rows = await ctx.prisma.auditLog.findMany({
        where: {
          workspaceId: ctx.workspace.id,
          ...(input.action ? { action: { contains: input.action } } : {}),
          ...(input.actorId ? { actorId: input.actorId } : {}),
          ...(input.outcome ? { outcome: input.outcome } : {}),
          ...(input.resourceType ? { resourceType: input.resourceType } : {}),
          ...(input.before ? { id: { lt: input.before } } : {}),
        },
        orderBy: { id: "desc" },
        take: input.limit + 1,
      });
      const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
      const users = await ctx.prisma.user.findMany({
        where: { id: { in: actorIds } },
        select: { id: true, name: true, email: true },
      });
      const byId = new Map(users.map((u) => [u.id, u]));
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((r) => ({ ...r, actor: r.actorId ? (byId.get(r.actorId) ?? null) : null })),
        nextBefore: rows.length > input.limit ? page[page.length - 1]!.id : null,
      };
    }),

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
    .mutation(async ({ ctx, input }) => {
      const actor = input.actorEmail
        ? await ctx.prisma.user.findFirst({
            where: { email: { equals: input.actorEmail, mode: "insensitive" } },
            select: { id: true },
          })
        : null;
      const rows = await ctx.prisma.auditLog.findMany({
        where: {
          workspaceId: ctx.workspace.id,
          ...(input.from || input.to
            ? { createdAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lte: input.to } : {}) } }
            : {}),
          // An unknown email matches nobody rather than everybody.
          ...(input.actorEmail ? { actorId: actor?.id ?? "-" } : {}),
          ...(input.action ? { action: { contains: input.action } } : {}),
          ...(input.outcome ? { outcome: input.outcome } : {}),
        },
        orderBy: { id: "desc" },
        take: EXPORT_MAX_ROWS,
      });
      const actorIds = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
      const users = await ctx.prisma.user.findMany({
        where: { id: { in: actorIds } },
        select: { id: true, email: true },
      });
      const emails = new Map(users.map((u) => [u.id, u.email]));
      const entries = rows.map((r) => ({
        id: r.id.toString(),
        createdAt: r.createdAt.toISOString(),
        actorType: r.actorType,
        actorId: r.actorId,
        actorEmail: r.actorId ? (emails.get(r.actorId) ?? null) : null,
        action: r.action,
        resourceType: r.resourceType,
        resourceId: r.resourceId,
        outcome: r.outcome,
        ip: r.ip,
        userAgent: r.userAgent,
        summary: r.summary,
      }));
      const { format, ...filters } = input;
      await ctx.audit({
        action: "audit.export",
        resourceType: "audit_log",
        summary: { format, rows: entries.length, filters },
      });
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "");
      const filename = `sluice-audit-${ctx.workspace.slug}-${stamp}.${format}`;
      return format === "csv"
        ? { filename, contentType: "text/csv", content: auditCsv(entries), rows: entries.length }
        : {
            filename,
            contentType: "application/json",
            content: JSON.stringify(entries, null, 2),
            rows: entries.length,
          };
    }),
});
