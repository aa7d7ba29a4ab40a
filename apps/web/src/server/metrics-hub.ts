import "server-only";
import { mergeSnapshots, metricsChannel, MetricsSnapshotV1 } from "@sluice/shared";
import { ChannelHub } from "./redis-fanout";
import { singleton } from "./singleton";

type Listener = (snapshot: MetricsSnapshotV1) => void;

/** A runner's snapshot older than this no longer counts (the runner stopped or lost the partitions). */
const STALE_MS = 5_000;

/**
 * Fans live metrics out to every open browser stream: one Redis subscription per pipeline per web
 * process (the shared fan-out), however many tabs watch it. The latest snapshot per runner is kept
 * so a new viewer sees data at once and several runners' partial views merge into one.
 */
class MetricsHub {
  private latest = new Map<string, Map<string, MetricsSnapshotV1>>();
  private hub = new ChannelHub<MetricsSnapshotV1>(
    metricsChannel,
    (pipelineId, message) => this.onMessage(pipelineId, message),
    (pipelineId) => this.latest.delete(pipelineId),
  );

  private onMessage(pipelineId: string, message: string): MetricsSnapshotV1 | null {
    let parsed;
    try {
      parsed = MetricsSnapshotV1.safeParse(JSON.parse(message));
    } catch {
      return null;
    }
    if (!parsed.success || parsed.data.pipelineId !== pipelineId) return null;
    const perRunner = this.latest.get(pipelineId) ?? new Map<string, MetricsSnapshotV1>();
    perRunner.set(parsed.data.runnerId, parsed.data);
    this.latest.set(pipelineId, perRunner);
    return this.current(pipelineId);
  }

  /** The merged view of the fresh snapshots for a pipeline, or null when no runner reports. */
  current(pipelineId: string): MetricsSnapshotV1 | null {
    const perRunner = this.latest.get(pipelineId);
    if (!perRunner) return null;
    const now = Date.now();
    for (const [runner, s] of perRunner) if (now - s.at > STALE_MS) perRunner.delete(runner);
    return mergeSnapshots([...perRunner.values()]);
  }

  subscribe(pipelineId: string, listener: Listener): Promise<() => Promise<void>> {
    return this.hub.subscribe(pipelineId, listener);
  }

  /** For tests and /metrics: how many pipeline channels this process listens to. */
  subscribedChannels(): number {
    return this.hub.size();
  }
}

export const metricsHub = singleton("metricsHub", () => new MetricsHub());
