import type { PrismaClient } from "@sluice/db";
import type { Role } from "@sluice/shared";
import type { RequestInfo, ScopedAudit } from "../audit";

/**
 * What a workspace-scoped service acts as: the caller's workspace, user and role, and the audit
 * writer bound to them. A scoped procedure's `ctx` is one (routers pass it on unchanged).
 */
export type ServiceContext = {
  prisma: PrismaClient;
  workspace: { id: string; slug: string; name: string };
  user: { id: string };
  role: Role;
  audit: ScopedAudit;
};

/** What a service acting for the signed-in user in no particular workspace needs (a user procedure's `ctx`). */
export type UserServiceContext = { prisma: PrismaClient; user: { id: string }; request: RequestInfo };
