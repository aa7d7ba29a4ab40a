// Deploying with an explicit start position: `resume` continues at the committed offsets, `earliest`
// reprocesses what the topics retain (dedup state reset with the offsets, so the replay is not
// swallowed), `latest` skips what waited while the pipeline was stopped. The reset happens once per
// deployment: a runner restart resumes.
import type { ConsumedMessage, KafkaConsumer } from "@sluice/kafka";
import type { PipelineGraph } from "@sluice/shared";
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

describe("engine: start position", () => {
  let world: World;
  let running: RunningEngine;
  let reader: KafkaConsumer | undefined;
  const received: string[] = [];
  const outName = uniqueName("sluice-test-start");
  let outTopic: string;

  beforeAll(async () => {
    world = await createWorld();
    outTopic = ownTopic(world, outName);
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
    await world.kafka.admin.createTopics([{ topic: outTopic, partitions: 1 }]);
    reader = world.kafka.consumer({
      groupId: uniqueName("start-reader"),
      topics: [outTopic],
      fetch: { maxWaitMs: 100 },
    });
    await reader.start({
      onMessage: (m: ConsumedMessage) => received.push((JSON.parse(m.value!.toString()) as { id: string }).id),
      onError: (e) => {
        throw e;
      },
    });
  });

  afterAll(async () => {
    await reader?.close();
    await running?.stop();
    await world?.kafka.admin.deleteTopics([outTopic]);
    await world?.close();
  });

  async function deployAt(pipelineId: string, g: PipelineGraph, startPosition: "resume" | "earliest" | "latest") {
    const { deploymentId } = await deploy(world, pipelineId, g, { startPosition });
    await waitRunning(world, deploymentId);
    return deploymentId;
  }

  async function stop(pipelineId: string) {
    await world.prisma.deployment.updateMany({
      where: { pipelineId, desiredState: "running" },
      data: { desiredState: "stopped" },
    });
    await running.engine.reconciler.reconcile();
  }

  const countOf = (id: string) => received.filter((x) => x === id).length;
  // One user: every event lands in the same partition, so arrival order is offset order.
  const events = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}-${i}`,
      type: "click",
      userId: "u-1",
      timestamp: new Date().toISOString(),
    }));

  it("resumes, reprocesses from earliest once, and skips to latest", async () => {
    const pipeline = await createPipeline(world, "start-position");
    const key = await createApiKey(world);
    const pathKey = uniqueName("start").toLowerCase();
    const ingestTopic = `sluice.${world.workspaceId}.${pipeline.id}.ingest.out`;
    const g = graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        { id: "dedup", type: "dedup", config: { key: "event.id", window: "1h" } },
        { id: "out", type: "kafka-sink", config: { topic: outName } },
      ],
      [
        ["ingest", "dedup"],
        ["dedup", "out"],
      ],
    );
    const post = async (list: unknown[]) => {
      const res = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(list),
        headers: { "x-api-key": key.token },
      });
      expect(res.status).toBe(202);
    };
    // Written while the pipeline is stopped (ingest answers 401 then), straight to its first topic.
    const produceWhileStopped = async (list: { id: string; userId: string }[]) => {
      const producer = world.kafka.producer({ name: "test" });
      await producer.send(list.map((e) => ({ topic: ingestTopic, key: e.userId, value: JSON.stringify(e) })));
      await producer.close();
    };

    await deployAt(pipeline.id, g, "resume");
    await post(events("e", 10));
    await eventually(() => expect(received.length).toBe(10), { timeoutMs: 30_000 });

    // resume: only what arrived while stopped.
    await stop(pipeline.id);
    await produceWhileStopped(events("w", 3));
    await deployAt(pipeline.id, g, "resume");
    await eventually(() => expect(received.length).toBe(13), { timeoutMs: 30_000 });
    expect(countOf("e-0")).toBe(1);

    // earliest: everything again, through a dedup whose state was reset with the offsets.
    await stop(pipeline.id);
    const earliest = await deployAt(pipeline.id, g, "earliest");
    await eventually(() => expect(received.length).toBe(26), { timeoutMs: 30_000 });
    for (const id of [...events("e", 10), ...events("w", 3)].map((e) => e.id)) expect(countOf(id)).toBe(2);

    // A runner restart during that deployment resumes instead of resetting again.
    await running.stop();
    running = await startEngine(world, { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } });
    await running.engine.reconciler.reconcile();
    await waitRunning(world, earliest);
    await post(events("r", 1));
    await eventually(() => expect(countOf("r-0")).toBe(1), { timeoutMs: 30_000 });
    expect(received.length).toBe(27);

    // latest: what waited while stopped is skipped; a new event after it flows (same partition).
    await stop(pipeline.id);
    await produceWhileStopped(events("s", 2));
    await deployAt(pipeline.id, g, "latest");
    await post(events("n", 1));
    await eventually(() => expect(countOf("n-0")).toBe(1), { timeoutMs: 30_000 });
    expect(countOf("s-0") + countOf("s-1")).toBe(0);
    expect(received.length).toBe(28);
  });
});
