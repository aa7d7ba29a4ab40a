import "server-only";
import { auditCsv } from "../../audit-export";
import type { ServiceContext } from "../context";

/** Rows one export may hold; narrow the time range for more. */
const EXPORT_MAX_ROWS = 50_000;

type ExportAuditInput = {
  format: "csv" | "json";
  from?: Date | undefined;
  to?: Date | undefined;
  actorEmail?: string | undefined;
  action?: string | undefined;
  outcome?: "success" | "denied" | "error" | undefined;
};

/**
 * The log as a file (CSV or JSON), filtered by time range, actor (email), action and outcome, newest
 * first. The export itself is recorded (who took which slice of the log).
 */
export async function exportAuditLog(ctx: ServiceContext, input: ExportAuditInput) {
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
}
