import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { roleHasScope, type Role, type Scope } from "@sluice/shared";
import { getPrisma } from "@sluice/db";
import { getSessionUser, type SessionUser } from "../auth";
import { type RequestInfo, type ScopedAudit, writeAudit } from "../audit";
import { DomainError } from "../errors";
import { domainCause, isAsyncIterable, mapDomainErrors, toTRPCError } from "./errors";

/**
 * Every procedure declares how it is protected, in its meta:
 * - `{ access: "public" }`: anyone (only names on the allowlist in access.test may do this);
 * - `{ access: "user" }`: any signed-in user, for their own data (profile, their workspaces);
 * - `{ access: "scope", scope }`: a member of the workspace named in the input whose role grants
 *   `scope`. A test walks the router and fails on any procedure without one of these.
 */
export type ProcedureMeta = { access: "public" } | { access: "user" } | { access: "scope"; scope: Scope };

/** Zod issues by field, for forms. */
type FlatZodError = { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> };

/**
 * `token` is set when the caller authenticated with a personal access token (public HTTP API): the
 * token is bound to one workspace and acts with the user's current role there, never more.
 */
export async function createContext(opts: {
  headers: Headers;
  token?: { id: string; workspaceId: string; user: SessionUser };
}) {
  const session = opts.token ? null : await getSessionUser(opts.headers);
  return {
    headers: opts.headers,
    prisma: getPrisma(),
    user: opts.token?.user ?? session?.user ?? null,
    sessionId: session?.sessionId ?? null,
    token: opts.token ? { id: opts.token.id, workspaceId: opts.token.workspaceId } : null,
    request: {
      // The address the nearest proxy saw (rightmost entry); Next sets it from the socket when absent.
      ip: opts.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim() || null,
      userAgent: opts.headers.get("user-agent"),
      origin: opts.headers.get("origin"),
    } satisfies RequestInfo,
  };
}
type Context = Awaited<ReturnType<typeof createContext>>;

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const domain = domainCause(error);
      return {
        ...shape,
        data: {
          ...shape.data,
          // Flatten zod issues so forms can show them next to the field.
          zodError: error.cause instanceof ZodError ? (z.flattenError(error.cause) as FlatZodError) : null,
          // Refusals name the nodes concerned, so dialogs can link to them.
          nodeIds: domain ? [...domain.nodeIds] : null,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Services throw domain errors (../errors.ts); here they become the tRPC errors clients see, from a
 * query or mutation and from inside a subscription's stream alike.
 */
const baseProcedure = t.procedure.use(async ({ next, type }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTRPCError(result.error.cause);
  if (result.ok && type === "subscription" && isAsyncIterable(result.data))
    return { ...result, data: mapDomainErrors(result.data) };
  return result;
});

const requireUser = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, user: ctx.user as SessionUser } });
});

// Account-level procedures (invitations, tokens, workspaces list) are for signed-in sessions only,
// never for API tokens, which are bound to one workspace.
export const userProcedure = baseProcedure
  .meta({ access: "user" })
  .use(requireUser)
  .use(({ ctx, next }) => {
    if (ctx.token) throw new TRPCError({ code: "FORBIDDEN", message: "Not available to API tokens." });
    return next();
  });

/** Input every workspace-scoped procedure carries; merged into the procedure's own input. */
const WorkspaceInput = z.object({ workspaceId: z.string().min(1).max(64) });

/**
 * Loads the caller's membership fresh on every call (so a role change or removal takes effect on
 * the next request, SSE streams included) and checks the scope. A workspace the caller is not a
 * member of is NOT_FOUND, never FORBIDDEN: its existence is not disclosed.
 */
export function scopedProcedure(scope: Scope) {
  return baseProcedure
    .meta({ access: "scope", scope })
    .use(requireUser)
    .input(WorkspaceInput)
    .use(async ({ ctx, input, next, path }) => {
      // A personal access token only ever reaches the workspace it was created for.
      if (ctx.token && ctx.token.workspaceId !== input.workspaceId)
        throw new TRPCError({ code: "NOT_FOUND", message: "Workspace not found." });
      const member = await ctx.prisma.member.findFirst({
        where: { workspaceId: input.workspaceId, userId: ctx.user.id },
        select: { role: true, workspace: { select: { id: true, name: true, slug: true } } },
      });
      if (!member) throw new TRPCError({ code: "NOT_FOUND", message: "Workspace not found." });
      const role = member.role as Role;
      if (!roleHasScope(role, scope)) {
        await writeAudit(ctx.prisma, {
          workspaceId: member.workspace.id,
          actor: { type: ctx.token ? "api_token" : "user", id: ctx.user.id },
          action: path,
          resourceType: "procedure",
          outcome: "denied",
          request: ctx.request,
          summary: { scope, role },
        });
        throw new TRPCError({ code: "FORBIDDEN", message: `Your role (${role}) does not allow ${scope}.` });
      }
      const workspace = member.workspace;
      const audit: ScopedAudit = (e, db = ctx.prisma) =>
        writeAudit(db, {
          outcome: "success",
          ...e,
          workspaceId: workspace.id,
          actor: { type: ctx.token ? "api_token" : "user", id: ctx.user.id },
          request: ctx.request,
        });
      return next({ ctx: { ...ctx, workspace, role, audit } });
    });
}
