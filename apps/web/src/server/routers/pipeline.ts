import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Prisma } from "@sluice/db";
import {
  instantiateTemplate,
  parsePipelineSettings,
  PipelineDocument,
  PipelineGraph,
  PipelineSettings,
  pipelineTemplates,
  validateGraph,
} from "@sluice/shared";
import { validationContext } from "../pipelines/graph-workspace";
import { EMPTY_GRAPH, parseDraft } from "../pipelines/parse-draft";
import { router, scopedProcedure } from "../trpc/init";
import { settingsProblem } from "../pipelines/settings-check";
import { env } from "../env";
import { previewLookups } from "../preview/preview-lookups";
import { runPreviewOffThread } from "../preview/preview-pool";
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from "../errors";

const PipelineId = z.object({ pipelineId: z.string().min(1).max(64) });
/** pipeline.saveDraft's input (also the public API's draft body, less the path's pipelineId). */
export const SaveDraftInput = PipelineId.extend({ graph: PipelineGraph, baseRevision: z.number().int().min(0) });
/** pipeline.updateSettings's input (its `settings` is the public API's settings body). */
export const UpdateSettingsInput = PipelineId.extend({ settings: PipelineSettings });
const Name = z.string().trim().min(1, "Name is required").max(120);

const summarySelect = {
  id: true,
  name: true,
  description: true,
  updatedAt: true,
  draftRevision: true,
  createdBy: { select: { name: true } },
  updatedBy: { select: { name: true } },
  versions: { select: { id: true, number: true, createdAt: true }, orderBy: { number: "desc" }, take: 1 },
  deployments: {
    select: {
      status: true,
      desiredState: true,
      updatedAt: true,
      statusReason: true,
      version: { select: { number: true } },
    },
    orderBy: { createdAt: "desc" },
    take: 1,
  },
} satisfies Prisma.PipelineSelect;

type SummaryRow = Prisma.PipelineGetPayload<{ select: typeof summarySelect }>;

function summary(p: SummaryRow) {
  const d = p.deployments[0];
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    updatedAt: p.updatedAt,
    createdBy: p.createdBy,
    latestVersion: p.versions[0] ?? null,
    deployment: d
      ? {
          status: d.status,
          desiredState: d.desiredState,
          statusReason: d.statusReason,
          versionNumber: d.version.number,
          updatedAt: d.updatedAt,
        }
      : null,
  };
}

export const pipelineRouter = router({
  list: scopedProcedure("pipeline:read")
    .input(z.object({ search: z.string().trim().max(120).optional() }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.prisma.pipeline.findMany({
        where: {
          workspaceId: ctx.workspace.id,
          deletedAt: null,
          ...(input.search ? { name: { contains: input.search, mode: "insensitive" } } : {}),
        },
        select: summarySelect,
        orderBy: { updatedAt: "desc" },
        take: 500,
      });
      return rows.map(summary);
    }),

  get: scopedProcedure("pipeline:read")
    .input(PipelineId)
    .query(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
        select: { ...summarySelect, draft: true, settings: true },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      return {
        ...summary(p),
        draft: parseDraft(p.draft),
        draftRevision: p.draftRevision,
        updatedBy: p.updatedBy,
        settings: parsePipelineSettings(p.settings),
      };
    }),

  create: scopedProcedure("pipeline:create")
    .input(
      z.object({
        name: Name,
        description: z.string().max(2000).default(""),
        templateId: z.string().max(64).optional(),
        /** Template placeholder -> the secret or API key id picked for it (checked like any reference, by validation). */
        credentials: z.record(z.string().max(128), z.string().min(1).max(128)).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const template = input.templateId ? pipelineTemplates.find((t) => t.id === input.templateId) : undefined;
      if (input.templateId && !template) throw new InvalidInputError(`Unknown template ${input.templateId}.`);
      // A template's ingest path keys get a random suffix: path keys must be unique among running pipelines.
      const draft = template
        ? instantiateTemplate(template, {
            credentials: input.credentials ?? {},
            pathKeySuffix: randomBytes(3).toString("hex"),
          })
        : EMPTY_GRAPH;
      const p = await ctx.prisma.$transaction(async (tx) => {
        const created = await tx.pipeline.create({
          data: {
            workspaceId: ctx.workspace.id,
            name: input.name,
            description: input.description,
            draft: draft as object,
            createdById: ctx.user.id,
          },
        });
        await ctx.audit(
          {
            action: "pipeline.create",
            resourceType: "pipeline",
            resourceId: created.id,
            summary: { name: created.name, template: input.templateId ?? null },
          },
          tx,
        );
        return created;
      });
      return { id: p.id };
    }),

  rename: scopedProcedure("pipeline:update")
    .input(PipelineId.extend({ name: Name, description: z.string().max(2000).optional() }))
    .mutation(async ({ ctx, input }) => {
      const before = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
      });
      if (!before) throw new NotFoundError("Pipeline not found.");
      await ctx.prisma.pipeline.update({
        where: { id: before.id },
        data: { name: input.name, description: input.description ?? before.description, updatedById: ctx.user.id },
      });
      await ctx.audit({
        action: "pipeline.rename",
        resourceType: "pipeline",
        resourceId: before.id,
        summary: { before: before.name, after: input.name },
      });
      return { ok: true };
    }),

  delete: scopedProcedure("pipeline:delete")
    .input(PipelineId)
    .mutation(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      const running = await ctx.prisma.deployment.count({ where: { pipelineId: p.id, desiredState: "running" } });
      if (running > 0) throw new PreconditionFailedError("Stop the pipeline before deleting it.");
      // Soft delete: versions and the audit trail stay for the record.
      await ctx.prisma.pipeline.update({
        where: { id: p.id },
        data: { deletedAt: new Date(), updatedById: ctx.user.id },
      });
      await ctx.audit({
        action: "pipeline.delete",
        resourceType: "pipeline",
        resourceId: p.id,
        summary: { name: p.name },
      });
      return { ok: true };
    }),

  duplicate: scopedProcedure("pipeline:create")
    .input(PipelineId.extend({ name: Name.optional() }))
    .mutation(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      const copy = await ctx.prisma.pipeline.create({
        data: {
          workspaceId: ctx.workspace.id,
          name: input.name ?? `${p.name} (copy)`,
          description: p.description,
          draft: p.draft as object,
          settings: p.settings as object,
          createdById: ctx.user.id,
        },
      });
      await ctx.audit({
        action: "pipeline.duplicate",
        resourceType: "pipeline",
        resourceId: copy.id,
        summary: { from: p.id, name: copy.name },
      });
      return { id: copy.id };
    }),

  /**
   * Saves the draft if nobody saved since `baseRevision` (optimistic concurrency). Drafts may be
   * invalid; the problems come back so the canvas can show them. Publishing requires none.
   */
  saveDraft: scopedProcedure("pipeline:update")
    .input(SaveDraftInput)
    .mutation(async ({ ctx, input }) => {
      const res = await ctx.prisma.pipeline.updateMany({
        where: {
          id: input.pipelineId,
          workspaceId: ctx.workspace.id,
          deletedAt: null,
          draftRevision: input.baseRevision,
        },
        data: { draft: input.graph as object, draftRevision: { increment: 1 }, updatedById: ctx.user.id },
      });
      if (res.count === 0) {
        const current = await ctx.prisma.pipeline.findFirst({
          where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
          select: { draftRevision: true, updatedAt: true, updatedBy: { select: { name: true } } },
        });
        if (!current) throw new NotFoundError("Pipeline not found.");
        const who = current.updatedBy?.name ?? "Someone";
        throw new ConflictError(
          `${who} saved a newer draft (revision ${current.draftRevision}) at ${current.updatedAt.toISOString()}. Reload to see it; your changes were not saved.`,
        );
      }
      // Autosave writes often: one audit row per pipeline and editor per 5-minute burst.
      await ctx.audit({
        action: "pipeline.saveDraft",
        resourceType: "pipeline",
        resourceId: input.pipelineId,
        summary: { revision: input.baseRevision + 1 },
        coalesceMs: 5 * 60_000,
      });
      return {
        revision: input.baseRevision + 1,
        problems: validateGraph(input.graph, await validationContext(ctx.prisma, ctx.workspace.id)),
      };
    }),

  /**
   * Partitions, retention, replication and batching of the pipeline; used by the next deploy. A change
   * the pipeline's existing topics cannot take (fewer partitions; more for a graph with keyed state)
   * is refused with the reason, and nothing is saved.
   */
  updateSettings: scopedProcedure("pipeline:update")
    .input(UpdateSettingsInput)
    .mutation(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
        select: { id: true, draft: true, settings: true },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      const deployed = await ctx.prisma.deployment.findMany({
        where: { pipelineId: p.id, workspaceId: ctx.workspace.id },
        select: { version: { select: { graph: true } } },
        orderBy: { createdAt: "desc" },
        take: 1,
      });
      const graphs = [parseDraft(p.draft), ...deployed.map((d) => parseDraft(d.version.graph))];
      const problem = await settingsProblem({
        workspaceId: ctx.workspace.id,
        pipelineId: p.id,
        graphs,
        settings: input.settings,
      });
      if (problem) throw new PreconditionFailedError(problem);
      await ctx.prisma.pipeline.update({
        where: { id: p.id },
        data: { settings: input.settings, updatedById: ctx.user.id },
      });
      await ctx.audit({
        action: "pipeline.settings",
        resourceType: "pipeline",
        resourceId: p.id,
        summary: { before: parsePipelineSettings(p.settings), after: input.settings },
      });
      return { settings: input.settings };
    }),

  exportDocument: scopedProcedure("pipeline:read")
    .input(PipelineId.extend({ versionId: z.string().min(1).max(64).optional() }))
    .query(async ({ ctx, input }) => {
      const p = await ctx.prisma.pipeline.findFirst({
        where: { id: input.pipelineId, workspaceId: ctx.workspace.id, deletedAt: null },
      });
      if (!p) throw new NotFoundError("Pipeline not found.");
      let graph = parseDraft(p.draft);
      if (input.versionId) {
        const v = await ctx.prisma.pipelineVersion.findFirst({
          where: { id: input.versionId, pipelineId: p.id, workspaceId: ctx.workspace.id },
        });
        if (!v) throw new NotFoundError("Version not found.");
        graph = parseDraft(v.graph);
      }
      const doc: PipelineDocument = {
        format: "sluice.pipeline",
        formatVersion: 1,
        name: p.name,
        description: p.description,
        graph,
        settings: parsePipelineSettings(p.settings),
      };
      return doc;
    }),

  importDocument: scopedProcedure("pipeline:create")
    .input(z.object({ document: z.unknown(), name: Name.optional() }))
    .mutation(async ({ ctx, input }) => {
      const parsed = PipelineDocument.safeParse(input.document);
      if (!parsed.success) {
        const lines = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`);
        throw new InvalidInputError(`Not a valid Sluice pipeline document:\n${lines.join("\n")}`);
      }
      const errors = validateGraph(parsed.data.graph).filter((p) => p.severity === "error");
      // Unknown node types or broken structure can't be edited on the canvas; refuse those outright.
      const fatal = errors.filter((p) =>
        [
          "node.unknown-type",
          "node.unknown-type-version",
          "node.duplicate-id",
          "edge.duplicate-id",
          "graph.invalid",
        ].includes(p.code),
      );
      if (fatal.length > 0) {
        throw new InvalidInputError(`The pipeline cannot be imported:\n${fatal.map((p) => p.message).join("\n")}`);
      }
      const p = await ctx.prisma.$transaction(async (tx) => {
        const created = await tx.pipeline.create({
          data: {
            workspaceId: ctx.workspace.id,
            name: input.name ?? parsed.data.name,
            description: parsed.data.description,
            draft: parsed.data.graph as object,
            settings: parsed.data.settings,
            createdById: ctx.user.id,
          },
        });
        await ctx.audit(
          {
            action: "pipeline.import",
            resourceType: "pipeline",
            resourceId: created.id,
            summary: { name: created.name, nodes: parsed.data.graph.nodes.length },
          },
          tx,
        );
        return created;
      });
      return { id: p.id, problems: errors.length };
    }),

  /** Runs a (possibly unsaved) graph on sample events with the same cores as the runner, in a worker thread with a deadline. */
  preview: scopedProcedure("pipeline:preview")
    .input(
      z.object({
        graph: PipelineGraph,
        sampleEvents: z.record(z.string(), z.array(z.unknown()).max(1000)).optional(),
        generate: z.object({ count: z.number().int().min(1).max(1000) }).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const lookups = await previewLookups(ctx.prisma, ctx.workspace.id, input.graph, env().SLUICE_SECRET_KEY);
      try {
        const results = await runPreviewOffThread(
          input.graph,
          {
            now: Date.now(),
            sampleEvents: input.sampleEvents,
            generatorCount: input.generate?.count ?? 50,
            flush: true,
          },
          lookups,
        );
        return { results, problems: validateGraph(input.graph) };
      } finally {
        await lookups.close();
      }
    }),
});
