// A pipeline's own topic settings (snapshotted on its deployment) are what the runner creates topics
// with; a later deploy applies its retention to existing topics and grows them only for pipelines
// without keyed state.
import type { PipelineGraph, PipelineSettings } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiKey,
  createPipeline,
  createWorld,
  deploy,
  ownTopic,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { eventually, uniqueName } from "./services";

describe("engine: per-pipeline topic settings", () => {
  let world: World;
  let running: RunningEngine;
  const outName = uniqueName("sluice-test-settings");
  let outTopic: string;

  beforeAll(async () => {
    world = await createWorld();
    outTopic = ownTopic(world, outName);
    // The runner's defaults; the pipelines below override them.
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
    await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
  });

  afterAll(async () => {
    await running?.stop();
    await world?.kafka.admin.deleteTopics([outTopic]);
    await world?.close();
  });

  async function deployWith(pipelineId: string, g: PipelineGraph, settings: PipelineSettings) {
    const { deploymentId } = await deploy(world, pipelineId, g, { settings });
    await waitRunning(world, deploymentId);
  }

  const describeTopic = async (topic: string) => (await world.kafka.admin.describeTopics([topic]))[0]!;

  it("creates topics with the pipeline's partitions and retention, and grows them for a stateless pipeline", async () => {
    const pipeline = await createPipeline(world, "settings");
    const key = await createApiKey(world);
    const pathKey = uniqueName("settings").toLowerCase();
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        { id: "out", type: "kafka-sink", config: { topic: outName } },
      ],
      [["ingest", "out"]],
    );
    await deployWith(pipeline.id, g, { topics: { partitions: 3, retentionHours: 2 }, batch: { maxRecords: 5 } });
    const ingestTopic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
    const created = await describeTopic(ingestTopic);
    expect(created.partitions).toHaveLength(3);
    expect(created.config["retention.ms"]).toBe(String(2 * 3600 * 1000));
    // The kafka-sink's destination is not ours to resize.
    expect((await describeTopic(outTopic)).partitions).toHaveLength(1);

    // The pipeline's batch bound: 20 events of one user (one partition) need at least 4 batches of 5.
    const events = Array.from({ length: 20 }, (_, i) => ({ id: `b-${i}`, type: "click", userId: "u-1" }));
    const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-api-key": key.token },
    });
    expect(res.status).toBe(202);
    const batches = async () => {
      const metric = await running.registry.getSingleMetric("sluice_node_batch_seconds")?.get();
      return (
        metric?.values.find(
          (v) =>
            (v as { metricName?: string }).metricName === "sluice_node_batch_seconds_count" &&
            v.labels["pipeline"] === pipeline.id &&
            v.labels["node"] === "out",
        )?.value ?? 0
      );
    };
    const inOut = async () => {
      const metric = await running.registry.getSingleMetric("sluice_node_events_in_total")?.get();
      return metric?.values.find((v) => v.labels["pipeline"] === pipeline.id && v.labels["node"] === "out")?.value ?? 0;
    };
    await eventually(async () => expect(await inOut()).toBe(20));
    await eventually(async () => expect(await batches()).toBeGreaterThanOrEqual(4));

    await deployWith(pipeline.id, g, { topics: { partitions: 5, retentionHours: 2 }, batch: {} });
    expect((await describeTopic(ingestTopic)).partitions).toHaveLength(5);
    expect((await describeTopic(outTopic)).partitions).toHaveLength(1);

    // A retention the pipeline sets is applied to its existing topics; with none set they keep theirs.
    await deployWith(pipeline.id, g, { topics: { partitions: 5, retentionHours: 5 }, batch: {} });
    expect((await describeTopic(ingestTopic)).config["retention.ms"]).toBe(String(5 * 3600 * 1000));
    await deployWith(pipeline.id, g, { topics: { partitions: 5 }, batch: {} });
    expect((await describeTopic(ingestTopic)).config["retention.ms"]).toBe(String(5 * 3600 * 1000));
    expect((await describeTopic(outTopic)).config["retention.ms"]).toBeUndefined();
  });

  it("leaves the topics of a pipeline with keyed state as they are", async () => {
    const pipeline = await createPipeline(world, "keyed");
    const key = await createApiKey(world);
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey: uniqueName("keyed").toLowerCase(), apiKeyId: key.id } },
        { id: "dedup", type: "dedup", config: { key: "event.id", window: "10m" } },
        { id: "out", type: "kafka-sink", config: { topic: outName } },
      ],
      [
        ["ingest", "dedup"],
        ["dedup", "out"],
      ],
    );
    await deployWith(pipeline.id, g, { topics: {}, batch: {} });
    const ingestTopic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
    expect((await describeTopic(ingestTopic)).partitions).toHaveLength(2);
    await deployWith(pipeline.id, g, { topics: { partitions: 4 }, batch: {} });
    expect((await describeTopic(ingestTopic)).partitions).toHaveLength(2);
  });
});
