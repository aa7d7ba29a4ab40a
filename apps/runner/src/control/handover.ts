// A redeploy's handover for HTTP ingest: while the old version of a pipeline drains and the new one
// has not started yet, ingest keeps writing through the old one (the ingest topic is the same), so
// clients see no 404 gap.
import type { DeploymentRuntime } from "./deployment-runtime";

type Runtime = Pick<DeploymentRuntime, "spec">;

/** Updates `handover` (pipeline id -> old runtime) for a pass that stops `stopping` and wants `wantedPipelines`. */
export function updateHandover<R extends Runtime>(
  handover: Map<string, R>,
  stopping: readonly R[],
  wantedPipelines: ReadonlySet<string>,
): void {
  for (const pipelineId of handover.keys()) if (!wantedPipelines.has(pipelineId)) handover.delete(pipelineId);
  for (const runtime of stopping)
    if (wantedPipelines.has(runtime.spec.pipelineId)) handover.set(runtime.spec.pipelineId, runtime);
}

/** Where ingest may write: the running deployments, plus handed-over ones of pipelines with none running yet. */
export function ingestSourcesOf<R extends Runtime>(running: readonly R[], handover: ReadonlyMap<string, R>): R[] {
  const pipelines = new Set(running.map((r) => r.spec.pipelineId));
  return [...running, ...[...handover.values()].filter((r) => !pipelines.has(r.spec.pipelineId))];
}
