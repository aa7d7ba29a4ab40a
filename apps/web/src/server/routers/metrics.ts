import "server-only";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { MetricsSnapshotV1 } from "@sluice/shared";
import { metricsHub } from "../metrics-hub";
import { HistoryRange, readHistory } from "../metrics-history";
import { router, scopedProcedure } from "../trpc/init";

/** How often an open stream re-checks that its viewer still may see the pipeline. */
const ACCESS_RECHECK_MS = 10_000;

export const metricsRouter = router({
  /** Time series for the dashboard charts (15 min and 1 h at 1 s resolution, 24 h at 10 s). */
  history: scopedProcedure("metrics:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64), range: HistoryRange.default("15m") }))
    .query(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({ where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null }, select: { id: true } });
      if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Pipeline not found." });
      return { range: input.range, points: await readHistory(p.id, input.range) };
    }),

  /**
   * Live metrics of one pipeline over SSE. Yields the current merged snapshot at once (if any
   * runner reports), then each new one. Ends when the viewer loses access or the client leaves.
   */
  live: scopedProcedure("metrics:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64) }))
    .subscription(async function* ({ ctx, input, signal }) {
      const p = await ctx.prisma.pipeline.findFirst({ where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null }, select: { id: true } });
      if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Pipeline not found." });

      const queue: MetricsSnapshotV1[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = await metricsHub().subscribe(p.id, (s) => {
        queue.length = 0; // only the newest matters to a live view
        queue.push(s);
        wake?.();
      });
      const onAbort = () => wake?.();
      signal?.addEventListener("abort", onAbort);
      let lastCheck = Date.now();
      try {
        const first = metricsHub().current(p.id);
        if (first) yield first;
        while (!signal?.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, ACCESS_RECHECK_MS);
            });
            wake = null;
          }
          if (Date.now() - lastCheck >= ACCESS_RECHECK_MS) {
            lastCheck = Date.now();
            const still = await ctx.prisma.member.count({ where: { workspaceId: ctx.workspace.id, userId: ctx.user.id } });
            if (still === 0) return;
          }
          const next = queue.shift();
          if (next) yield next;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        await unsubscribe();
      }
    }),
});
