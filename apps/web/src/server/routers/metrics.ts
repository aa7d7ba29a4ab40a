import "server-only";
import { z } from "zod";
import type { MetricsSnapshotV1 } from "@sluice/shared";
import { metricsHub } from "../metrics-hub";
import { HistoryRange, readHistory } from "../metrics-history";
import { router, scopedProcedure } from "../trpc/init";
import { firingAlerts } from "../alerts-firing";
import { liveStream } from "../live-stream";
import { latestHealth } from "../metrics-overview";
import { NotFoundError } from "../errors";

export const metricsRouter = router({
  /** Time series for the dashboard charts (15 min and 1 h at 1 s resolution, 24 h at 10 s). */
  history: scopedProcedure("metrics:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64), range: HistoryRange.default("15m") }))
    .query(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
        select: { id: true },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      return { range: input.range, points: await readHistory(p.id, input.range) };
    }),

  /**
   * Every pipeline of the workspace at a glance: deployment status, the newest per-second figures
   * (see metrics-overview.ts for why this is a polled query, not a subscription) and firing alerts.
   */
  overview: scopedProcedure("metrics:read").query(async ({ ctx }) => {
    const pipelines = await ctx.prisma.pipeline.findMany({
      where: { workspaceId: ctx.workspace.id, deletedAt: null },
      orderBy: { name: "asc" },
      select: {
        id: true,
        name: true,
        deployments: {
          orderBy: { createdAt: "desc" },
          take: 1,
          select: {
            status: true,
            desiredState: true,
            statusReason: true,
            startedAt: true,
            version: { select: { number: true, graph: true } },
          },
        },
      },
    });
    const live = pipelines.flatMap((p) => {
      const d = p.deployments[0];
      return d && d.desiredState === "running" ? [{ id: p.id, graph: d.version.graph }] : [];
    });
    const [health, firing] = await Promise.all([latestHealth(live), firingAlerts(ctx.prisma, ctx.workspace.id)]);
    return pipelines.map((p) => {
      const d = p.deployments[0];
      return {
        id: p.id,
        name: p.name,
        deployment: d
          ? {
              status: d.status,
              desiredState: d.desiredState,
              statusReason: d.statusReason,
              startedAt: d.startedAt,
              versionNumber: d.version.number,
            }
          : null,
        health: health.get(p.id) ?? null,
        firing: firing
          .filter((a) => a.pipelineId === p.id)
          .map((a) => ({ ruleId: a.ruleId, name: a.name, message: a.message })),
      };
    });
  }),

  /**
   * Live metrics of one pipeline over SSE. Yields the current merged snapshot at once (if any
   * runner reports), then each new one. Ends when the viewer loses access or the client leaves.
   */
  live: scopedProcedure("metrics:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64) }))
    .subscription(async function* ({ ctx, input, signal }) {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
        select: { id: true },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");

      yield* liveStream<MetricsSnapshotV1>({
        subscribe: (listener) => metricsHub().subscribe(p.id, listener),
        first: () => metricsHub().current(p.id),
        signal,
        access: { prisma: ctx.prisma, workspaceId: ctx.workspace.id, userId: ctx.user.id },
        latestOnly: true,
      });
    }),
});
