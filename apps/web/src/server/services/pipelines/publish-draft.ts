// No "server-only" marker: `npm start`'s demo seed publishes through this same function (scripts/lib/seed.ts).
import type { PrismaClient } from "@sluice/db";
import { PipelineGraph, validateGraph } from "@sluice/shared";
import { ConflictError, InvalidInputError, NotFoundError } from "../../errors";
import { validationContext } from "../../pipelines/graph-workspace";
import { prepareSinkSchemas } from "../../pipelines/sink-schemas";
import type { AuditWrite } from "../deployments/deploy-version";

export type PublishDraftOptions = {
  workspaceId: string;
  pipelineId: string;
  baseRevision: number;
  message: string;
  userId: string;
  audit: AuditWrite;
  /** SLUICE_SECRET_KEY: opens schema registry credentials for kafka-sink's Avro schema check. */
  secretKey?: string;
};

/**
 * Freezes the current draft as the next immutable version. Refused while the graph has errors,
 * including credentials the workspace does not have, or when the draft moved past `baseRevision`.
 * A kafka-sink writing Avro has its schema checked against the subject's compatibility mode and
 * registered here; the version records the schema (sink-schemas.ts).
 */
export async function publishDraft(
  prisma: PrismaClient,
  o: PublishDraftOptions,
): Promise<{ id: string; number: number }> {
  return prisma.$transaction(async (tx) => {
    // Lock the pipeline row so two publishes can't take the same number.
    const rows = await tx.$queryRaw<{ id: string; draft: unknown; draft_revision: number }[]>`
      SELECT id, draft, draft_revision FROM pipeline
      WHERE id = ${o.pipelineId} AND workspace_id = ${o.workspaceId} AND deleted_at IS NULL FOR UPDATE`;
    const p = rows[0];
    if (!p) throw new NotFoundError("Pipeline not found.");
    if (p.draft_revision !== o.baseRevision)
      throw new ConflictError("The draft changed since you loaded it. Reload before publishing.");
    const graph = PipelineGraph.safeParse(p.draft);
    if (!graph.success) throw new InvalidInputError("The draft is not a valid pipeline graph.");
    const context = await validationContext(tx, o.workspaceId);
    const problems = validateGraph(graph.data, context).filter((x) => x.severity === "error");
    if (problems.length > 0)
      throw InvalidInputError.fromProblems(`Fix ${problems.length} problem(s) before publishing`, problems);
    const prepared = await prepareSinkSchemas(tx, o.workspaceId, context.slug, graph.data, o.secretKey);
    if (prepared.problems.length > 0)
      throw InvalidInputError.fromProblems(
        `Fix ${prepared.problems.length} problem(s) before publishing`,
        prepared.problems,
      );
    const last = await tx.pipelineVersion.findFirst({
      where: { pipelineId: p.id },
      orderBy: { number: "desc" },
      select: { number: true },
    });
    const v = await tx.pipelineVersion.create({
      data: {
        pipelineId: p.id,
        workspaceId: o.workspaceId,
        number: (last?.number ?? 0) + 1,
        graph: prepared.graph as object,
        message: o.message,
        authorId: o.userId,
      },
    });
    await o.audit(
      {
        action: "version.publish",
        resourceType: "pipeline_version",
        resourceId: v.id,
        summary: { pipelineId: p.id, number: v.number, message: v.message },
      },
      tx,
    );
    return { id: v.id, number: v.number };
  });
}
