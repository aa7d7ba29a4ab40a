// No "server-only" marker: `npm start`'s demo seed deploys through this same function (scripts/lib/seed.ts).
import { type PrismaClient, StartPosition } from "@sluice/db";
import { z } from "zod";
import { compilePlan, parsePipelineSettings, PipelineGraph, topicOverrides, validateGraph } from "@sluice/shared";
import type { AuditDb } from "../../audit";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../../errors";
import { validationContext } from "../../pipelines/graph-workspace";

/**
 * resume: committed offsets; earliest/latest: every stage's offsets (and keyed state) are reset first.
 * The database enum (prisma/schema.prisma StartPosition) is the one declaration; the runner reads it too.
 */
export const StartFrom = z.enum(StartPosition);
export type StartFrom = z.infer<typeof StartFrom>;

/** Writes the audit row of a change inside the transaction that makes it (a procedure's `ctx.audit`). */
export type AuditWrite = (
  entry: { action: string; resourceType: string; resourceId: string; summary: Record<string, unknown> },
  db: AuditDb,
) => Promise<unknown>;

export const deploymentStatusSelect = {
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
export function settleNeverStarted(db: Pick<PrismaClient, "deployment">, pipelineId: string, workspaceId: string) {
  return db.deployment.updateMany({
    where: { pipelineId, workspaceId, desiredState: "stopped", status: "pending" },
    data: { status: "stopped", stoppedAt: new Date() },
  });
}

export type DeployVersionOptions = {
  workspaceId: string;
  pipelineId: string;
  versionId: string;
  userId: string;
  startFrom: StartFrom;
  audit: AuditWrite;
};

/**
 * Where a deploy is decided. Deploys (or redeploys) a published version: the previous desired
 * deployment is stopped and the new one started in one transaction; the runner hands over at the
 * committed offsets. Refused (a domain error naming the nodes) while the version refers to credentials
 * the workspace does not have, its plan does not compile (compilePlan, as the runner would run it),
 * or its ingest path key serves another running pipeline. Nothing is written when refused. The caller
 * tells the runners (deployPipeline does; the demo seed leaves it to their poll).
 */
export async function deployVersion(prisma: PrismaClient, o: DeployVersionOptions) {
  const v = await prisma.pipelineVersion.findFirst({
    where: { id: o.versionId, pipelineId: o.pipelineId, workspaceId: o.workspaceId, pipeline: { deletedAt: null } },
    select: { id: true, number: true, graph: true, pipeline: { select: { settings: true } } },
  });
  if (!v) throw new NotFoundError("Version not found.");
  const graph = PipelineGraph.parse(v.graph);
  // Secrets get deleted and keys revoked after publishing, so the check is repeated here.
  const context = await validationContext(prisma, o.workspaceId);
  const errors = validateGraph(graph, context).filter((p) => p.severity === "error");
  if (errors.length > 0) throw PreconditionFailedError.fromProblems(`Version ${v.number} cannot be deployed`, errors);
  // What the runner would refuse to materialise (e.g. one topic feeding differently keyed windows) is refused here, not left "failing".
  const settings = parsePipelineSettings(v.pipeline.settings);
  const plan = compilePlan({
    workspaceId: o.workspaceId,
    workspaceSlug: context.slug,
    connectionIds: context.connectionIds,
    pipelineId: o.pipelineId,
    graph,
    settings: topicOverrides(settings),
  });
  if (!plan.ok)
    throw new PreconditionFailedError(`Version ${v.number} cannot run: ${plan.reason}`, { nodeIds: plan.nodeIds });
  // Ingest URLs carry only the path key, so a key may serve one running pipeline at a time.
  for (const n of graph.nodes.filter((x) => x.type === "http-ingest")) {
    const pathKey = String(n.config.pathKey ?? "");
    const probe = JSON.stringify([{ type: "http-ingest", config: { pathKey } }]);
    const taken = await prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM deployment d JOIN pipeline_version v ON v.id = d.version_id
      WHERE d.desired_state = 'running' AND d.pipeline_id <> ${o.pipelineId} AND v.graph->'nodes' @> ${probe}::jsonb`;
    if (Number(taken[0]?.n ?? 0) > 0) {
      throw new ConflictError(
        `The ingest path key "${pathKey}" (node ${n.id}) is already used by another running pipeline. Choose another.`,
        { nodeIds: [n.id] },
      );
    }
  }
  // GET /v1/views/<view> names one sink of the workspace: a view name may be served by one running pipeline at a time.
  for (const n of graph.nodes.filter(
    (x) => (x.type === "postgres-sink" || x.type === "redis-sink") && typeof x.config.viewName === "string",
  )) {
    const viewName = String(n.config.viewName);
    const probe = JSON.stringify([{ config: { viewName } }]);
    const taken = await prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM deployment d JOIN pipeline_version v ON v.id = d.version_id
      WHERE d.desired_state = 'running' AND d.workspace_id = ${o.workspaceId} AND d.pipeline_id <> ${o.pipelineId} AND v.graph->'nodes' @> ${probe}::jsonb`;
    if (Number(taken[0]?.n ?? 0) > 0) {
      throw new ConflictError(
        `The view name "${viewName}" (node ${n.id}) is already served by another running pipeline of this workspace. Choose another.`,
        { nodeIds: [n.id] },
      );
    }
  }
  return prisma.$transaction(async (tx) => {
    const previous = await tx.deployment.findMany({
      where: { pipelineId: o.pipelineId, workspaceId: o.workspaceId, desiredState: "running" },
      select: { id: true, version: { select: { number: true } } },
    });
    await tx.deployment.updateMany({
      where: { id: { in: previous.map((p) => p.id) } },
      data: { desiredState: "stopped" },
    });
    await settleNeverStarted(tx, o.pipelineId, o.workspaceId);
    const created = await tx.deployment.create({
      data: {
        workspaceId: o.workspaceId,
        pipelineId: o.pipelineId,
        versionId: v.id,
        desiredState: "running",
        status: "pending",
        startPosition: o.startFrom,
        // The runner applies the settings as they were at deploy time.
        settings,
        createdById: o.userId,
      },
      select: deploymentStatusSelect,
    });
    await o.audit(
      {
        action: previous.length ? "deployment.redeploy" : "deployment.create",
        resourceType: "deployment",
        resourceId: created.id,
        summary: {
          pipelineId: o.pipelineId,
          version: v.number,
          from: previous[0]?.version.number ?? null,
          startFrom: o.startFrom,
        },
      },
      tx,
    );
    return created;
  });
}
