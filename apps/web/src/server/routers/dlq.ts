import "server-only";
import { z } from "zod";
import { discardDeadLetters } from "../services/dlq/discard-dead-letters";
import { listDeadLetters } from "../services/dlq/list-dead-letters";
import { replayDeadLetters } from "../services/dlq/replay-dead-letters";
import { router, scopedProcedure } from "../trpc/init";

const Selection = z.object({
  pipelineId: z.string().min(1).max(64),
  /** Record ids (`topic:partition:offset`) from dlq.list; or `all` with an optional node/code filter. */
  ids: z.array(z.string().min(1).max(400)).min(1).max(500).optional(),
  all: z
    .object({ nodeId: z.string().min(1).max(64).optional(), code: z.string().min(1).max(200).optional() })
    .optional(),
});

export const dlqRouter = router({
  /** Dead letters of the deployed version, grouped by node and code, PII-masked by role (see listDeadLetters). */
  list: scopedProcedure("dlq:read")
    .input(
      z.object({
        pipelineId: z.string().min(1).max(64),
        nodeId: z.string().min(1).max(64).optional(),
        showHandled: z.boolean().default(false),
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.number().int().min(0).max(100_000).default(0),
      }),
    )
    .query(({ ctx, input }) => listDeadLetters(ctx, input)),

  /** Replays selected (or all matching) dead letters into their node's input. Each record at most once. */
  replay: scopedProcedure("dlq:replay")
    .input(Selection)
    .mutation(({ ctx, input }) => replayDeadLetters(ctx, input)),

  /** Discards selected (or all matching) dead letters: hidden from the inbox, recorded in the audit log. */
  discard: scopedProcedure("dlq:discard")
    .input(Selection)
    .mutation(({ ctx, input }) => discardDeadLetters(ctx, input)),
});
