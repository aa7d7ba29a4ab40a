import "server-only";
import type { PrismaClient } from "@sluice/db";
import {
  createMaskPiiCore,
  type EventRecord,
  type JsonValue,
  type MaskRule,
  type NodeConfig,
  PipelineGraph,
} from "@sluice/shared";
// The runner's plan compiler is pure (imports only @sluice/shared): the web compiles the same plan
// to know which topics a deployed version reads and writes, instead of re-deriving topic names.
import { compilePlan, DEFAULT_TOPIC_SETTINGS, type Plan } from "@sluice/shared";
import { NotFoundError } from "../errors";

/** The deployed (latest deployment's) version of a pipeline of this workspace, with its plan. */
export type ObservedPipeline = {
  pipelineId: string;
  graph: PipelineGraph | null;
  plan: Plan | null;
  deployment: { id: string; status: string; desiredState: string; versionNumber: number } | null;
};

export async function observedPipeline(
  prisma: PrismaClient,
  workspaceId: string,
  pipelineId: string,
): Promise<ObservedPipeline> {
  const pipeline = await prisma.pipeline.findFirst({
    where: { id: pipelineId, workspaceId, deletedAt: null },
    select: { id: true, workspace: { select: { slug: true } } },
  });
  if (!pipeline) throw new NotFoundError("Pipeline not found.");
  const deployment = await prisma.deployment.findFirst({
    where: { pipelineId, workspaceId },
    orderBy: { createdAt: "desc" },
    select: { id: true, status: true, desiredState: true, version: { select: { number: true, graph: true } } },
  });
  if (!deployment) return { pipelineId, graph: null, plan: null, deployment: null };
  const graph = PipelineGraph.parse(deployment.version.graph);
  const compiled = compilePlan({
    workspaceId,
    workspaceSlug: pipeline.workspace.slug,
    pipelineId,
    graph,
    settings: DEFAULT_TOPIC_SETTINGS,
  });
  return {
    pipelineId,
    graph,
    plan: compiled.ok ? compiled.plan : null,
    deployment: {
      id: deployment.id,
      status: deployment.status,
      desiredState: deployment.desiredState,
      versionNumber: deployment.version.number,
    },
  };
}

/**
 * Which fields of an event are personal data, from the pipeline's graph: every field a mask-pii node
 * masks, plus `context.ip` (the envelope's client address, set by ingest). Roles without the raw
 * scope see these masked with the mask-pii core itself: truncate-ip stays truncate-ip, everything
 * else is redacted (hashing would need the salt secret, which the web never opens).
 */
export function piiRules(graph: PipelineGraph): MaskRule[] {
  const rules = new Map<string, MaskRule>([["context.ip", { field: "context.ip", method: "truncate-ip" }]]);
  for (const node of graph.nodes) {
    if (node.type !== "mask-pii") continue;
    const configured = (node.config as { rules?: unknown }).rules;
    if (!Array.isArray(configured)) continue;
    for (const rule of configured as MaskRule[]) {
      if (typeof rule?.field !== "string") continue;
      rules.set(rule.field, { field: rule.field, method: rule.method === "truncate-ip" ? "truncate-ip" : "redact" });
    }
  }
  return [...rules.values()];
}

export const MASKED = "[masked]";

/** A masking function for viewers without the raw scope. Records that are not objects are hidden. */
export function piiMasker(graph: PipelineGraph): (value: JsonValue) => JsonValue {
  const config = { rules: piiRules(graph), redactWith: MASKED } as NodeConfig<"mask-pii">;
  const core = createMaskPiiCore(config, {});
  return (value) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return MASKED;
    return core.process([value as EventRecord], { now: Date.now() }).outputs["out"]?.[0] ?? MASKED;
  };
}
