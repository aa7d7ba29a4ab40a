// No "server-only" marker: `npm start`'s demo seed writes its audit rows with it too (scripts/lib/seed.ts).
import type { PrismaClient } from "@sluice/db";

/** Where a request came from, as audit rows record it. */
export type RequestInfo = { ip: string | null; userAgent: string | null; origin: string | null };

type AuditActor = { type: "user" | "api_token" | "api_key" | "system"; id: string | null };

export type AuditEntry = {
  workspaceId: string | null;
  actor: AuditActor;
  /** What happened, e.g. `pipeline.create` (tRPC path) or `http:POST /api/v1/pipelines`. */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  outcome: "success" | "denied" | "error";
  request?: RequestInfo;
  /** Before/after summary; never secrets or raw event payloads. */
  summary?: Record<string, unknown>;
  /**
   * One row per burst: skipped when the same actor (through the same channel: app or token) already has a row for this action and resource
   * within this many ms (draft autosaves). Default: every call writes a row.
   */
  coalesceMs?: number;
};

/** The client or an interactive transaction: audit rows commit with the change they describe. */
export type AuditDb = PrismaClient | Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * A procedure's `ctx.audit`: writes a row for the caller's workspace, as the caller, from their
 * request (outcome `success` unless given), through `db` (default: the client; pass the transaction
 * so the row commits with the change).
 */
export type ScopedAudit = (
  entry: Omit<AuditEntry, "workspaceId" | "actor" | "request" | "outcome"> & { outcome?: AuditEntry["outcome"] },
  db?: AuditDb,
) => Promise<void>;

/** Appends one audit row. The table rejects UPDATE and DELETE (trigger in the first migration). */

export async function writeAudit(prisma: AuditDb, e: AuditEntry) {
  if (e.coalesceMs) {
    const recent = await prisma.auditLog.findFirst({
      where: {
        workspaceId: e.workspaceId,
        action: e.action,
        resourceId: e.resourceId ?? null,
        actorId: e.actor.id,
        actorType: e.actor.type,
        createdAt: { gt: new Date(Date.now() - e.coalesceMs) },
      },
      select: { id: true },
    });
    if (recent) return;
  }
  await prisma.auditLog.create({
    data: {
      workspaceId: e.workspaceId,
      actorId: e.actor.id,
      actorType: e.actor.type,
      action: e.action,
      resourceType: e.resourceType,
      resourceId: e.resourceId ?? null,
      outcome: e.outcome,
      ip: e.request?.ip ?? null,
      userAgent: e.request?.userAgent?.slice(0, 512) ?? null,
      summary: (e.summary ?? {}) as object,
    },
  });
}
