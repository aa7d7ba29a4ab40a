// Which deployments this process should run, and the plan each one runs: the desired rows in Postgres,
// compiled with the cluster's topic settings and the pipeline's own overrides.
import {
  compilePlan,
  foreignGroups,
  foreignTopics,
  parsePipelineSettings,
  type PipelineSettings,
  type PlanResult,
  topicOverrides,
  type TopicSettings,
} from "@sluice/shared";
import type { DeploymentRuntime } from "./deployment-runtime";
import type { DesiredDeployment } from "../services/control-db";

/**
 * Whether a pass starts `row` now: not when it runs here already, when its graph could not be planned
 * and the row did not change since, or while another row of the same pipeline still runs here (a
 * redeploy seen half-way: the old one stops first).
 */
export function shouldStart(
  row: Pick<DesiredDeployment, "id" | "pipelineId" | "updatedAt">,
  running: ReadonlyMap<string, Pick<DeploymentRuntime, "spec">>,
  unplannable: ReadonlyMap<string, Date>,
): boolean {
  if (running.has(row.id)) return false;
  if (unplannable.get(row.id)?.getTime() === row.updatedAt.getTime()) return false;
  return ![...running.values()].some((r) => r.spec.pipelineId === row.pipelineId);
}

/** Refuses a plan naming a topic or group of Sluice's cluster outside its workspace (compilePlan never should). */
export function ownPlan(planned: PlanResult): PlanResult {
  if (!planned.ok) return planned;
  const foreign = foreignTopics(planned.plan);
  if (foreign.length > 0)
    return { ok: false, reason: `plan names topics outside its workspace: ${foreign.slice(0, 5).join(", ")}` };
  const groups = foreignGroups(planned.plan);
  return groups.length > 0
    ? { ok: false, reason: `plan names consumer groups outside its workspace: ${groups.slice(0, 5).join(", ")}` }
    : planned;
}

/** The deployment's plan (or why there is none) and the pipeline's settings. */
export function planDeployment(
  row: {
    workspaceId: string;
    pipelineId: string;
    settings: unknown;
    workspace: { slug: string; kafkaConnections: { id: string }[] };
    version: { graph: unknown };
  },
  topics: TopicSettings,
): { planned: PlanResult; settings: PipelineSettings } {
  const settings = parsePipelineSettings(row.settings);
  const planned = ownPlan(
    compilePlan({
      workspaceId: row.workspaceId,
      workspaceSlug: row.workspace.slug,
      pipelineId: row.pipelineId,
      graph: row.version.graph,
      settings: { ...topics, ...topicOverrides(settings) },
      connectionIds: row.workspace.kafkaConnections.map((c) => c.id),
    }),
  );
  return { planned, settings };
}
