import "server-only";
import { observedPipeline } from "../../pipelines/observed";
import type { ServiceContext } from "../context";
import { claim, type DeadLetterSelection, selectDeadLetters } from "./dead-letters";

/** Discards selected (or all matching) dead letters: hidden from the inbox, recorded in the audit log. */
export async function discardDeadLetters(ctx: ServiceContext, input: DeadLetterSelection & { pipelineId: string }) {
  const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
  const { records: candidates, more } = await selectDeadLetters(ctx.prisma, observed, input);
  // The marks and their audit row commit together.
  const claimed = await ctx.prisma.$transaction(
    async (tx) => {
      const rows = await claim(tx, ctx.workspace.id, input.pipelineId, ctx.user.id, "discarded", candidates);
      await ctx.audit(
        {
          action: "dlq.discard",
          resourceType: "pipeline",
          resourceId: input.pipelineId,
          summary: {
            discarded: rows.length,
            nodes: [...new Set(rows.map((r) => r.nodeId))],
            ids: rows.slice(0, 50).map((r) => r.id),
          },
        },
        tx,
      );
      return rows;
    },
    { timeout: 60_000 },
  );
  return { discarded: claimed.map((r) => r.id), more };
}
