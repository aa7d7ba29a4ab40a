import "server-only";
import type { PrismaClient } from "@sluice/db";

/**
 * Alerts currently firing in a workspace: enabled rules of live pipelines whose latest transition is
 * `firing`. A disabled rule is no longer evaluated, so it can never resolve: it is not shown.
 */
export async function firingAlerts(prisma: PrismaClient, workspaceId: string, pipelineId?: string) {
  const rules = await prisma.alertRule.findMany({
    where: { workspaceId, enabled: true, pipeline: { deletedAt: null }, ...(pipelineId ? { pipelineId } : {}) },
    select: {
      id: true,
      name: true,
      kind: true,
      pipelineId: true,
      pipeline: { select: { name: true } },
      events: {
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { id: true, state: true, value: true, message: true, createdAt: true },
      },
    },
  });
  return rules
    .flatMap((r) => {
      const last = r.events[0];
      if (last?.state !== "firing") return [];
      return [
        {
          ruleId: r.id,
          name: r.name,
          kind: r.kind,
          pipelineId: r.pipelineId,
          pipelineName: r.pipeline.name,
          eventId: last.id,
          value: last.value,
          message: last.message,
          since: last.createdAt,
        },
      ];
    })
    .sort((a, b) => b.since.getTime() - a.since.getTime());
}
