import "server-only";
import { z } from "zod";
import { type AlertTransitionV1, isPrivateHost } from "@sluice/shared";
import { alertHub } from "../alert-hub";
import { firingAlerts } from "../alerts-firing";
import { env } from "../env";
import { liveStream } from "../live-stream";
import { router, scopedProcedure } from "../trpc/init";
import { InvalidInputError, NotFoundError } from "../errors";

const AlertKind = z.enum(["lag_seconds", "error_rate", "throughput_below", "freshness", "node_failing"]);

const RuleFields = z.object({
  name: z.string().trim().min(1).max(120),
  kind: AlertKind,
  nodeId: z.string().min(1).max(64).nullable().default(null),
  /** lag_seconds: seconds; error_rate: percent 0-100; throughput_below: events/s; freshness: seconds; node_failing: ignored. */
  threshold: z.number().min(0).max(1e12),
  forSeconds: z.number().int().min(0).max(86_400).default(60),
  webhookUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), "Only http(s) URLs")
    .nullable()
    .default(null),
  webhookSecretId: z.string().min(1).max(64).nullable().default(null),
  enabled: z.boolean().default(true),
});

const ruleSelect = {
  id: true,
  pipelineId: true,
  name: true,
  kind: true,
  nodeId: true,
  threshold: true,
  forSeconds: true,
  webhookUrl: true,
  webhookSecretId: true,
  enabled: true,
  createdAt: true,
  updatedAt: true,
} as const;

export const alertRouter = router({
  listRules: scopedProcedure("alert:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64).optional() }))
    .query(({ ctx, input }) =>
      ctx.prisma.alertRule.findMany({
        where: { workspaceId: ctx.workspace.id, ...(input.pipelineId ? { pipelineId: input.pipelineId } : {}) },
        select: ruleSelect,
        orderBy: { createdAt: "asc" },
      }),
    ),

  createRule: scopedProcedure("alert:manage")
    .input(RuleFields.extend({ pipelineId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
        select: { id: true },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      await checkWebhook(ctx.prisma, ctx.workspace.id, input.webhookUrl, input.webhookSecretId);
      const rule = await ctx.prisma.alertRule.create({
        data: { ...input, workspaceId: ctx.workspace.id },
        select: ruleSelect,
      });
      await ctx.audit({
        action: "alert.createRule",
        resourceType: "alert_rule",
        resourceId: rule.id,
        summary: { name: rule.name, kind: rule.kind, threshold: rule.threshold },
      });
      return rule;
    }),

  updateRule: scopedProcedure("alert:manage")
    .input(RuleFields.partial().extend({ ruleId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const { ruleId, ...changes } = input;
      const before = await ctx.prisma.alertRule.findFirst({
        where: { id: ruleId, workspaceId: ctx.workspace.id },
        select: ruleSelect,
      });
      if (!before) throw new NotFoundError("Alert rule not found.");
      await checkWebhook(
        ctx.prisma,
        ctx.workspace.id,
        changes.webhookUrl ?? before.webhookUrl,
        changes.webhookSecretId ?? before.webhookSecretId,
      );
      const rule = await ctx.prisma.alertRule.update({ where: { id: before.id }, data: changes, select: ruleSelect });
      await ctx.audit({
        action: "alert.updateRule",
        resourceType: "alert_rule",
        resourceId: rule.id,
        summary: { changes: Object.keys(changes) },
      });
      return rule;
    }),

  deleteRule: scopedProcedure("alert:manage")
    .input(z.object({ ruleId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const rule = await ctx.prisma.alertRule.findFirst({
        where: { id: input.ruleId, workspaceId: ctx.workspace.id },
        select: { id: true, name: true },
      });
      if (!rule) throw new NotFoundError("Alert rule not found.");
      await ctx.prisma.alertRule.delete({ where: { id: rule.id } });
      await ctx.audit({
        action: "alert.deleteRule",
        resourceType: "alert_rule",
        resourceId: rule.id,
        summary: { name: rule.name },
      });
      return { ok: true };
    }),

  /** Firing/resolved history, newest first (the bell and the pipeline's alert tab). */
  events: scopedProcedure("alert:read")
    .input(
      z.object({
        pipelineId: z.string().min(1).max(64).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.prisma.alertEvent.findMany({
        where: { workspaceId: ctx.workspace.id, ...(input.pipelineId ? { pipelineId: input.pipelineId } : {}) },
        select: {
          id: true,
          ruleId: true,
          pipelineId: true,
          state: true,
          value: true,
          message: true,
          createdAt: true,
          rule: { select: { name: true, kind: true } },
        },
        orderBy: { createdAt: "desc" },
        take: input.limit,
      }),
    ),

  /** Alerts firing now in the workspace (or one pipeline): the bell and the banners. */
  firing: scopedProcedure("alert:read")
    .input(z.object({ pipelineId: z.string().min(1).max(64).optional() }))
    .query(({ ctx, input }) => firingAlerts(ctx.prisma, ctx.workspace.id, input.pipelineId)),

  /**
   * Alert transitions (firing/resolved) of the workspace over SSE, as the runners record them. One
   * Redis subscription per workspace per web process, shared by every open tab.
   */
  live: scopedProcedure("alert:read").subscription(async function* ({ ctx, signal }) {
    yield* liveStream<AlertTransitionV1>({
      subscribe: (listener) => alertHub().subscribe(ctx.workspace.id, listener),
      signal,
      access: { prisma: ctx.prisma, workspaceId: ctx.workspace.id, userId: ctx.user.id },
    });
  }),
});

async function checkWebhook(
  prisma: import("@sluice/db").PrismaClient,
  workspaceId: string,
  url: string | null | undefined,
  secretId: string | null | undefined,
) {
  if (url) {
    const host = new URL(url).hostname;
    // Alert webhooks leave the cluster; private and loopback targets would be an SSRF hole.
    if (isPrivateHost(host) && !env().ALLOW_PRIVATE_WEBHOOKS)
      throw new InvalidInputError("Webhook URLs must not point at private or loopback addresses.");
  }
  if (secretId) {
    const s = await prisma.secret.findFirst({ where: { id: secretId, workspaceId }, select: { id: true } });
    if (!s) throw new NotFoundError("Signing secret not found.");
  }
}
