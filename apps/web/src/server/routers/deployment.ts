import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { PrismaClient } from "@sluice/db";
import { parsePipelineSettings, PipelineGraph, planAcls, rpkAclCommand, validateGraph, workspacePrincipal } from "@sluice/shared";
import { router, scopedProcedure } from "../trpc/init";
import { credentialReferences } from "../pipelines/credentials";
import { graphWorkspace } from "../pipelines/graph-workspace";
import { observedPipeline } from "../pipelines/observed";
import { redis } from "../redis";

/** Runners subscribe here and reconcile the named pipeline at once (they also poll). */
export const DEPLOYMENTS_CHANNEL = "sluice:deployments:changed";

const PipelineId = z.object({ pipelineId: z.string().min(1).max(64) });
/** resume: committed offsets; earliest/latest: every stage's offsets (and keyed state) are reset first. */
const StartFrom = z.enum(["resume", "earliest", "latest"]);

const statusSelect = {
  id: true,
  status: true,
  desiredState: true,
  statusReason: true,
  nodeStatus: true,
  startPosition: true,
  settings: true,
  startedAt: true,
  stoppedAt: true,
  updatedAt: true,
  version: { select: { id: true, number: true } },
} as const;

/**
 * A stopped deployment that no runner ever picked up (still `pending`) has nothing to drain: it is
 * stopped at once, or it would say pending forever. A runner starting it meanwhile stops it on its
 * next pass, since it is no longer desired.
 */
function settleNeverStarted(db: Pick<PrismaClient, "deployment">, pipelineId: string, workspaceId: string) {
  return db.deployment.updateMany({ where: { pipelineId, workspaceId, desiredState: "stopped", status: "pending" }, data: { status: "stopped", stoppedAt: new Date() } });
}

export const deploymentRouter = router({
  status: scopedProcedure("deployment:read")
    .input(PipelineId)
    .query(async ({ ctx, input }) => {
      const d = await ctx.prisma.deployment.findFirst({ where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id }, orderBy: { createdAt: "desc" }, select: statusSelect });
      return d ? { ...d, startFrom: d.startPosition, versionNumber: d.version.number } : null;
    }),

  /**
   * The broker ACLs the deployed version needs when the workspace has its own Kafka principal
   * (docs/SECURITY.md), with the `rpk` command for each. Empty when nothing is deployed.
   */
  acls: scopedProcedure("deployment:read")
    .input(PipelineId)
    .query(async ({ ctx, input }) => {
      const { plan } = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      const principal = workspacePrincipal(ctx.workspace.slug);
      return { principal, acls: plan ? planAcls(plan).map((acl) => ({ ...acl, command: rpkAclCommand(acl, principal) })) : [] };
    }),

  /**
   * Deploys (or redeploys) a published version: the previous desired deployment is stopped and the
   * new one started in one transaction; the runner hands over at the committed offsets.
   */
  deploy: scopedProcedure("deployment:create")
    .input(PipelineId.extend({ versionId: z.string().min(1).max(64), startFrom: StartFrom.optional(), /** Older name of startFrom. */ startPosition: StartFrom.optional() }))
    .mutation(async ({ ctx, input }) => {
      const startFrom = input.startFrom ?? input.startPosition ?? "resume";
      const v = await ctx.prisma.pipelineVersion.findFirst({
        where: { id: input.versionId, pipelineId: input.pipelineId, workspaceId: ctx.workspace.id, pipeline: { deletedAt: null } },
        select: { id: true, number: true, graph: true, pipeline: { select: { settings: true } } },
      });
      if (!v) throw new TRPCError({ code: "NOT_FOUND", message: "Version not found." });
      const graph = PipelineGraph.parse(v.graph);
      // Published versions were checked, but the workspace's connections may have changed since.
      const problems = validateGraph(graph, await graphWorkspace(ctx.prisma, ctx.workspace)).filter((p) => p.severity === "error");
      if (problems.length > 0) {
        throw new TRPCError({ code: "PRECONDITION_FAILED", message: `Fix ${problems.length} problem(s) before deploying: ${problems.slice(0, 5).map((p) => p.message).join("; ")}` });
      }
      // Every secret and API key the graph names must exist here (templates carry placeholders).
      const refs = credentialReferences(graph);
      const secretIds = refs.filter((r) => r.kind === "secret").map((r) => r.id);
      const keyIds = refs.filter((r) => r.kind === "api-key").map((r) => r.id);
      const [secrets, keys] = await Promise.all([
        ctx.prisma.secret.findMany({ where: { workspaceId: ctx.workspace.id, id: { in: secretIds } }, select: { id: true } }),
        ctx.prisma.apiKey.findMany({ where: { workspaceId: ctx.workspace.id, id: { in: keyIds }, revokedAt: null }, select: { id: true } }),
      ]);
      const known = new Set([...secrets, ...keys].map((x) => x.id));
      const missing = refs.filter((r) => !known.has(r.id));
      if (missing.length > 0) {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: `Pick real credentials before deploying: ${missing.map((m) => `${m.nodeId}.${m.field} (${m.kind} "${m.id}" not found)`).join(", ")}`,
        });
      }
      // Ingest URLs carry only the path key, so a key may serve one running pipeline at a time.
      for (const n of graph.nodes.filter((x) => x.type === "http-ingest")) {
        const pathKey = String(n.config.pathKey ?? "");
        const probe = JSON.stringify([{ type: "http-ingest", config: { pathKey } }]);
        const taken = await ctx.prisma.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM deployment d JOIN pipeline_version v ON v.id = d.version_id
          WHERE d.desired_state = 'running' AND d.pipeline_id <> ${input.pipelineId} AND v.graph->'nodes' @> ${probe}::jsonb`;
        if (Number(taken[0]?.n ?? 0) > 0) {
          throw new TRPCError({ code: "CONFLICT", message: `The ingest path key "${pathKey}" (node ${n.id}) is already used by another running pipeline. Choose another.` });
        }
      }
      const d = await ctx.prisma.$transaction(async (tx) => {
        const previous = await tx.deployment.findMany({ where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id, desiredState: "running" }, select: { id: true, version: { select: { number: true } } } });
        await tx.deployment.updateMany({ where: { id: { in: previous.map((p) => p.id) } }, data: { desiredState: "stopped" } });
        await settleNeverStarted(tx, input.pipelineId, ctx.workspace.id);
        const created = await tx.deployment.create({
          data: {
            workspaceId: ctx.workspace.id,
            pipelineId: input.pipelineId,
            versionId: v.id,
            desiredState: "running",
            status: "pending",
            startPosition: startFrom,
            // The runner applies the settings as they were at deploy time.
            settings: parsePipelineSettings(v.pipeline.settings),
            createdById: ctx.user.id,
          },
          select: statusSelect,
        });
        await ctx.audit(
          { action: previous.length ? "deployment.redeploy" : "deployment.create", resourceType: "deployment", resourceId: created.id, summary: { pipelineId: input.pipelineId, version: v.number, from: previous[0]?.version.number ?? null, startFrom } },
          tx,
        );
        return created;
      });
      await redis().publish(DEPLOYMENTS_CHANNEL, input.pipelineId);
      return { ...d, startFrom: d.startPosition, versionNumber: d.version.number };
    }),

  /** Stops the pipeline; consumer offsets are kept so a later deploy resumes where it left off. */
  stop: scopedProcedure("deployment:stop")
    .input(PipelineId)
    .mutation(async ({ ctx, input }) => {
      const res = await ctx.prisma.deployment.updateMany({ where: { pipelineId: input.pipelineId, workspaceId: ctx.workspace.id, desiredState: "running" }, data: { desiredState: "stopped" } });
      if (res.count === 0) throw new TRPCError({ code: "NOT_FOUND", message: "The pipeline is not deployed." });
      await settleNeverStarted(ctx.prisma, input.pipelineId, ctx.workspace.id);
      await ctx.audit({ action: "deployment.stop", resourceType: "pipeline", resourceId: input.pipelineId });
      await redis().publish(DEPLOYMENTS_CHANNEL, input.pipelineId);
      return { ok: true };
    }),
});
