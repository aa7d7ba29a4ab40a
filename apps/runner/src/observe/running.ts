// What the observers (snapshot publisher, lag monitor, alert evaluator) read of the deployments running
// in this process. control/deployment-runtime.ts's DeploymentRuntime is one; the wiring hands the
// reconciler in.
import type { Plan } from "@sluice/shared";
import type { NodeStatus } from "./node-health";

export type RunningDeployment = {
  spec: { deploymentId: string; pipelineId: string; plan: Plan };
  /** Live per-node health in this process. */
  readonly nodeStatus: Record<string, NodeStatus>;
  /** Per stage in this process: its queue's job counts, its feeder's oldest unprocessed records and its pool size. */
  stages: {
    stageId: string;
    queue: { counts(): Promise<{ waiting: number; active: number; delayed: number; failed: number }> };
    feeder: { oldestUnprocessed(): { topic: string; partition: number; timestampMs: number }[] };
    concurrency: number;
  }[];
};

export type RunningDeployments = { running(): RunningDeployment[] };
