import { describe, expect, it } from "vitest";
import { nodeRegistry, type NodeConfig, type PlanNode } from "@sluice/shared";
import { DEFAULT_ENGINE_SETTINGS } from "../settings";

const DEFAULT_FEEDER_SETTINGS = DEFAULT_ENGINE_SETTINGS.feeder;
import { rollingFeederSettings, ROLL_MAX_BYTES, ROLL_MAX_RECORDS } from "./s3-roll";

const sink = (config: Partial<NodeConfig<"s3-sink">>): PlanNode => ({
  id: "lake",
  type: "s3-sink",
  config: {
    ...(nodeRegistry["s3-sink"].configSchema.parse(nodeRegistry["s3-sink"].example) as NodeConfig<"s3-sink">),
    ...config,
  },
});
const map: PlanNode = {
  id: "map",
  type: "map",
  config: nodeRegistry["map"].configSchema.parse(nodeRegistry["map"].example) as NodeConfig<"map">,
};

describe("files rolled by time", () => {
  it("keeps the pipeline's batches for stages without a rolling s3-sink", () => {
    expect(rollingFeederSettings({ nodes: [map] }, DEFAULT_FEEDER_SETTINGS)).toBe(DEFAULT_FEEDER_SETTINGS);
    expect(rollingFeederSettings({ nodes: [map, sink({})] }, DEFAULT_FEEDER_SETTINGS)).toBe(DEFAULT_FEEDER_SETTINGS);
  });

  it("cuts batches by the interval and the file size, within the payload bounds", () => {
    const settings = rollingFeederSettings(
      { nodes: [map, sink({ rollIntervalSeconds: 60 })] },
      DEFAULT_FEEDER_SETTINGS,
    );
    expect(settings).toEqual({
      ...DEFAULT_FEEDER_SETTINGS,
      lingerMs: 60_000,
      maxBatchRecords: ROLL_MAX_RECORDS,
      maxBatchBytes: ROLL_MAX_BYTES,
    });
    const small = rollingFeederSettings(
      { nodes: [sink({ rollIntervalSeconds: 5, maxRecordsPerFile: 2000, maxBytesPerFile: 4 * 2 ** 20 })] },
      DEFAULT_FEEDER_SETTINGS,
    );
    expect(small).toMatchObject({ lingerMs: 5000, maxBatchRecords: 2000, maxBatchBytes: 4 * 2 ** 20 });
    // Never smaller batches than the pipeline's own: files smaller than a batch are split by the sink.
    const tiny = rollingFeederSettings(
      { nodes: [sink({ rollIntervalSeconds: 1, maxRecordsPerFile: 10, maxBytesPerFile: 2048 })] },
      { ...DEFAULT_FEEDER_SETTINGS, lingerMs: 2000 },
    );
    expect(tiny).toMatchObject({
      lingerMs: 2000,
      maxBatchRecords: DEFAULT_FEEDER_SETTINGS.maxBatchRecords,
      maxBatchBytes: DEFAULT_FEEDER_SETTINGS.maxBatchBytes,
    });
  });
});
