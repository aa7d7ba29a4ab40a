import { describe, expect, it } from "vitest";
import { DEFAULT_EVENT_TIME_WINDOW, DEFAULT_TOPIC_SETTINGS } from "@sluice/shared";
import { loadEnv } from "./env";
import { DEFAULT_ENGINE_SETTINGS, engineSettings } from "./settings";

describe("engine settings", () => {
  it("with every variable unset, match the defaults the shared plan compiler and ingest core use", () => {
    expect(DEFAULT_ENGINE_SETTINGS.topics).toEqual(DEFAULT_TOPIC_SETTINGS);
    expect(DEFAULT_ENGINE_SETTINGS.ingest.eventTimeWindow).toEqual(DEFAULT_EVENT_TIME_WINDOW);
    expect(DEFAULT_ENGINE_SETTINGS.feeder).toEqual({
      maxBatchRecords: 500,
      maxBatchBytes: 2 ** 20,
      lingerMs: 20,
      maxInFlightPerPartition: 1,
      maxInFlightTotal: 32,
      maxOutageMs: 600_000,
    });
    expect(DEFAULT_ENGINE_SETTINGS.pool).toEqual({ concurrency: 2, attempts: 3, backoffMs: 500, localBatches: true });
    expect(DEFAULT_ENGINE_SETTINGS.workspaceIds).toBeUndefined();
  });

  it("take each variable from the environment", () => {
    const settings = engineSettings(
      loadEnv({
        RUNNER_TOPIC_PARTITIONS: "12",
        RUNNER_BATCH_MAX_RECORDS: "50",
        RUNNER_SINK_OUTAGE_MAX_MS: "1000",
        RUNNER_POOL_CONCURRENCY: "8",
        RUNNER_LOCAL_BATCHES: "false",
        RUNNER_INGEST_RATE_PER_KEY: "0",
        RUNNER_INGEST_NOT_BEFORE: "2020-01-01T00:00:00Z",
        RUNNER_INGEST_LAG_THRESHOLD: "7",
        ALLOW_PRIVATE_WEBHOOKS: "true",
        RUNNER_WORKSPACE_IDS: "ws1, ws2",
      }),
    );
    expect(settings.topics.partitions).toBe(12);
    expect(settings.feeder).toMatchObject({ maxBatchRecords: 50, maxOutageMs: 1000, maxInFlightTotal: 32 });
    expect(settings.pool.concurrency).toBe(8);
    expect(settings.pool.localBatches).toBe(false);
    expect(settings.ingest).toEqual({
      ratePerKey: 0,
      eventTimeWindow: { notBeforeMs: Date.UTC(2020, 0, 1), maxFutureMs: 86_400_000 },
    });
    expect(settings.ingestLagThreshold).toBe(7);
    expect(settings.allowPrivateWebhooks).toBe(true);
    expect(settings.workspaceIds).toEqual(["ws1", "ws2"]);
  });
});
