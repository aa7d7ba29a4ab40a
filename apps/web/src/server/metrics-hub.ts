import "server-only";
import { Redis } from "ioredis";
import { mergeSnapshots, metricsChannel, MetricsSnapshotV1 } from "@sluice/shared";
import { env } from "./env";

type Listener = (snapshot: MetricsSnapshotV1) => void;

/** A runner's snapshot older than this no longer counts (the runner stopped or lost the partitions). */
const STALE_MS = 5_000;

/**
 * Fans live metrics out to every open browser stream: one Redis subscription per pipeline per web
 * process, however many tabs watch it. The latest snapshot per runner is kept so a new viewer sees
 * data at once and several runners' partial views merge into one.
 */
class MetricsHub {
  private subscriber: Redis | null = null;
  private listeners = new Map<string, Set<Listener>>();
  private latest = new Map<string, Map<string, MetricsSnapshotV1>>();

  private connection(): Redis {
    if (!this.subscriber) {
      this.subscriber = new Redis(env().REDIS_URL, { maxRetriesPerRequest: null, enableReadyCheck: true });
      this.subscriber.on("error", () => {
        /* ioredis reconnects by itself; streams keep their last value meanwhile */
      });
      this.subscriber.on("message", (channel: string, message: string) => this.onMessage(channel, message));
    }
    return this.subscriber;
  }

  private onMessage(channel: string, message: string) {
    const pipelineId = channel.slice(metricsChannel("").length);
    let parsed;
    try {
      parsed = MetricsSnapshotV1.safeParse(JSON.parse(message));
    } catch {
      return;
    }
    if (!parsed.success || parsed.data.pipelineId !== pipelineId) return;
    const perRunner = this.latest.get(pipelineId) ?? new Map<string, MetricsSnapshotV1>();
    perRunner.set(parsed.data.runnerId, parsed.data);
    this.latest.set(pipelineId, perRunner);
    const merged = this.current(pipelineId);
    if (!merged) return;
    for (const l of this.listeners.get(pipelineId) ?? []) l(merged);
  }

  /** The merged view of the fresh snapshots for a pipeline, or null when no runner reports. */
  current(pipelineId: string): MetricsSnapshotV1 | null {
    const perRunner = this.latest.get(pipelineId);
    if (!perRunner) return null;
    const now = Date.now();
    for (const [runner, s] of perRunner) if (now - s.at > STALE_MS) perRunner.delete(runner);
    return mergeSnapshots([...perRunner.values()]);
  }

  async subscribe(pipelineId: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(pipelineId);
    if (!set) {
      set = new Set();
      this.listeners.set(pipelineId, set);
      await this.connection().subscribe(metricsChannel(pipelineId));
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(pipelineId) === set) {
        this.listeners.delete(pipelineId);
        this.latest.delete(pipelineId);
        await this.connection().unsubscribe(metricsChannel(pipelineId));
      }
    };
  }

  /** For tests and /metrics: how many Redis channels this process listens to. */
  subscribedChannels(): number {
    return this.listeners.size;
  }
}

const g = globalThis as unknown as { sluiceMetricsHub?: MetricsHub };
export function metricsHub(): MetricsHub {
  g.sluiceMetricsHub ??= new MetricsHub();
  return g.sluiceMetricsHub;
}
