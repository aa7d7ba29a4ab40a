import { describe, expect, it } from "vitest";
import {
  alertsChannel,
  alertStateKey,
  AlertTransitionV1,
  API_KEY_REVOKED_CHANNEL,
  apiKeyRateKey,
  checkpointKeys,
  decodeMessage,
  deploymentHealthKey,
  DEPLOYMENTS_CHANNEL,
  encodeMessage,
  generatorKey,
  HistoryEntryV1,
  historyStreamKey,
  keyPatterns,
  metricsChannel,
  offsetsResetKeys,
  signInThrottleKey,
  stageDoneChannel,
  TAP_INDEX_KEY,
  tapChannel,
  tapMember,
  TapMessageV1,
  watermarkKey,
  webhookSlotKey,
} from "./index";

describe("web/runner contract", () => {
  // Runners and web processes of one deployment read each other's keys: a renamed key is a breaking
  // change to plan (both sides at once, and the keys already in Redis), never a refactor.
  it("keeps every key and channel name stable", () => {
    expect([DEPLOYMENTS_CHANNEL, API_KEY_REVOKED_CHANNEL, TAP_INDEX_KEY]).toEqual([
      "sluice:deployments:changed",
      "sluice:apikey:revoked",
      "sluice:taps",
    ]);
    expect([
      metricsChannel("p"),
      historyStreamKey("p", "1s"),
      historyStreamKey("p", "10s"),
      alertsChannel("w"),
      tapChannel("p"),
      tapMember("p", "n", "out"),
    ]).toEqual([
      "sluice:metrics:p",
      "sluice:hist:p:1s",
      "sluice:hist:p:10s",
      "sluice:alerts:w",
      "sluice:tap:p",
      "p:n:out",
    ]);
    expect(checkpointKeys("p", "n", "t", 3)).toEqual({
      state: "sluice:state:p:n:t:3",
      marker: "sluice:state:p:n:t:3:offset",
      outbox: "sluice:state:p:n:t:3:outbox",
      sending: "sluice:state:p:n:t:3:outbox:sending",
    });
    expect([
      watermarkKey("p", "n"),
      generatorKey("p", "g"),
      deploymentHealthKey("d"),
      alertStateKey("r"),
      stageDoneChannel("o"),
      signInThrottleKey("tag"),
    ]).toEqual([
      "sluice:watermarks:p:n",
      "sluice:generator:p:g",
      "sluice:deployment:d:health",
      "sluice:alert:r",
      "sluice:stage-done:o",
      "sluice:auth:signin:tag",
    ]);
    expect([
      apiKeyRateKey("w", "ingest", "k"),
      apiKeyRateKey("w", "views", "k"),
      webhookSlotKey("w", "d", "n"),
    ]).toEqual(["sluice:ws:w:rate:ingest:k", "sluice:ws:w:rate:views:k", "sluice:ws:w:rate:webhook:d:n"]);
    expect(offsetsResetKeys("d")).toEqual({
      done: "sluice:deployment:d:offsets-reset",
      lease: "sluice:deployment:d:offsets-reset:lease",
    });
  });

  it("has patterns that match the keys they clean up", () => {
    const matches = (pattern: string, key: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(key);
    expect(matches(keyPatterns.checkpoints("p"), checkpointKeys("p", "n", "t", 0).marker)).toBe(true);
    expect(matches(keyPatterns.checkpoints("p", "n"), checkpointKeys("p", "n", "t", 0).outbox)).toBe(true);
    expect(matches(keyPatterns.checkpoints("p", "n"), checkpointKeys("p", "m", "t", 0).state)).toBe(false);
    expect(matches(keyPatterns.checkpoints("p"), checkpointKeys("p2", "n", "t", 0).state)).toBe(false);
    expect(matches(keyPatterns.watermarks("p"), watermarkKey("p", "n"))).toBe(true);
    expect(matches(keyPatterns.generators("p"), `${generatorKey("p", "g")}:lease`)).toBe(true);
    expect(matches(keyPatterns.history("p"), historyStreamKey("p", "10s"))).toBe(true);
    expect(matches(keyPatterns.deployment("d"), offsetsResetKeys("d").lease)).toBe(true);
    expect(matches(keyPatterns.rateLimits("w"), apiKeyRateKey("w", "ingest", "k"))).toBe(true);
    expect(matches(keyPatterns.rateLimits("w"), webhookSlotKey("w", "d", "n"))).toBe(true);
    expect(matches(keyPatterns.rateLimits("w"), apiKeyRateKey("w2", "views", "k"))).toBe(false);
  });

  it("decodes what the writer encodes, and drops what does not match", () => {
    const tap = { v: 1 as const, nodeId: "n", port: "out", at: 1, events: ['{"a":1}'] };
    expect(decodeMessage(TapMessageV1, encodeMessage(TapMessageV1, tap))).toEqual(tap);
    expect(decodeMessage(TapMessageV1, JSON.stringify({ ...tap, v: 2 }))).toBeNull();
    expect(decodeMessage(TapMessageV1, "not json")).toBeNull();

    const createdAt = new Date("2026-01-02T03:04:05.000Z");
    const alert = {
      id: "a",
      ruleId: "r",
      workspaceId: "w",
      pipelineId: "p",
      state: "firing" as const,
      value: 3,
      message: "lag",
      createdAt,
    };
    expect(decodeMessage(AlertTransitionV1, encodeMessage(AlertTransitionV1, alert))).toEqual(alert);

    // A history entry without edges or sinks reads as empty ones.
    expect(
      decodeMessage(
        HistoryEntryV1,
        JSON.stringify({ runnerId: "r", at: 1, nodes: { n: { in: 1, out: 1, err: 0, dlq: 0 } } }),
      ),
    ).toEqual({ runnerId: "r", at: 1, nodes: { n: { in: 1, out: 1, err: 0, dlq: 0 } }, edges: {}, sinks: {} });
  });
});
