import "server-only";
import { z } from "zod";
import {
  decodeMessage,
  type JsonValue,
  type Role,
  roleHasScope,
  TAP_INDEX_KEY,
  tapChannel,
  tapMember,
  TapMessageV1,
} from "@sluice/shared";
import { liveStream } from "../live-stream";
import { observedPipeline, piiMasker } from "../pipelines/observed";
import { redis } from "../redis";
import { ChannelHub } from "../redis-fanout";
import { router, scopedProcedure } from "../trpc/init";
import { NotFoundError } from "../errors";

/** A watched port stays announced this long after the last refresh (a closed tab stops costing). */
const TAP_TTL_MS = 10_000;
const TAP_REFRESH_MS = 3_000;
/** Server-enforced per viewer: at most this many events per second reach one stream. */
const TAP_VIEWER_MAX_PER_SECOND = 20;

const tapHub = new ChannelHub<TapMessageV1>(tapChannel, (_pipelineId, message) => decodeMessage(TapMessageV1, message));

async function announce(pipelineId: string, nodeId: string, port: string) {
  const now = Date.now();
  await redis()
    .multi()
    .zadd(TAP_INDEX_KEY, now + TAP_TTL_MS, tapMember(pipelineId, nodeId, port))
    .zremrangebyscore(TAP_INDEX_KEY, "-inf", now)
    .exec();
}

export type TapEvent = { at: number; event: JsonValue };

const PortRef = z.object({
  pipelineId: z.string().min(1).max(64),
  nodeId: z.string().min(1).max(64),
  port: z.string().min(1).max(64),
});

export const tapRouter = router({
  /** Every edge of the deployed version that can be tapped (its source node's output port), and whether the caller sees raw data. */
  edges: scopedProcedure("tap:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      const label = new Map(observed.graph?.nodes.map((n) => [n.id, n.label ?? n.id]) ?? []);
      const edges = (observed.graph?.edges ?? [])
        .filter((e) => e.sourcePort !== "error")
        .map((e) => ({
          id: e.id,
          nodeId: e.source,
          port: e.sourcePort,
          target: e.target,
          label: `${label.get(e.source) ?? e.source}.${e.sourcePort} → ${label.get(e.target) ?? e.target}`,
        }));
      return { deployment: observed.deployment, edges, raw: roleHasScope(ctx.role as Role, "tap:read-raw") };
    }),

  /**
   * A live sample of the events leaving one output port, over SSE: newest batches as they come, at
   * most TAP_VIEWER_MAX_PER_SECOND events per second for this stream, PII masked unless the role
   * has tap:read-raw (checked again every 10 s, like membership).
   */
  live: scopedProcedure("tap:read")
    .input(PortRef)
    .subscription(async function* ({ ctx, input, signal }) {
      const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
      if (!observed.graph?.nodes.some((n) => n.id === input.nodeId))
        throw new NotFoundError("Node not found in the deployed version.");
      const mask = piiMasker(observed.graph);
      let raw = roleHasScope(ctx.role as Role, "tap:read-raw");
      let windowSecond = 0;
      let sent = 0;

      await announce(input.pipelineId, input.nodeId, input.port);
      const refresh = setInterval(() => {
        void announce(input.pipelineId, input.nodeId, input.port).catch(() => undefined);
        void ctx.prisma.member
          .findFirst({ where: { workspaceId: ctx.workspace.id, userId: ctx.user.id }, select: { role: true } })
          .then((m) => {
            raw = m ? roleHasScope(m.role as Role, "tap:read-raw") : false;
          })
          .catch(() => undefined);
      }, TAP_REFRESH_MS);
      try {
        yield* liveStream<TapEvent[]>({
          signal,
          access: { prisma: ctx.prisma, workspaceId: ctx.workspace.id, userId: ctx.user.id },
          maxQueued: TAP_VIEWER_MAX_PER_SECOND,
          subscribe: (listener) =>
            tapHub.subscribe(input.pipelineId, (message) => {
              if (message.nodeId !== input.nodeId || message.port !== input.port) return;
              const second = Math.floor(Date.now() / 1000);
              if (second !== windowSecond) {
                windowSecond = second;
                sent = 0;
              }
              const take = Math.min(TAP_VIEWER_MAX_PER_SECOND - sent, message.events.length);
              if (take <= 0) return;
              sent += take;
              const events: TapEvent[] = [];
              for (const text of message.events.slice(message.events.length - take)) {
                let value: JsonValue;
                try {
                  value = JSON.parse(text) as JsonValue;
                } catch {
                  continue;
                }
                events.push({ at: message.at, event: raw ? value : mask(value) });
              }
              if (events.length > 0) listener(events);
            }),
        });
      } finally {
        clearInterval(refresh);
      }
    }),
});
