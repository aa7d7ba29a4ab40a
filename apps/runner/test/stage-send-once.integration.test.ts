// A kafka-sink stage fed by a window (real kafka-sink runtime, real Redis checkpoint, real Kafka): when a
// rebalance moves its partition with a batch in flight, the new owner reads the batch again from the
// committed offset. Its window results must reach the user's topic once, not once per owner
// (sendOnceTopics in stage-step.ts). Each case counts the user topic's records by its end offsets.
import { checkpointKeys, compilePlan, keyPatterns, type Plan, type Stage, watermarkKey } from "@sluice/shared";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineMetrics } from "../src/observe/engine-metrics";
import { newMarker, readCheckpoint, writeCheckpoint } from "../src/stage/checkpoint";
import {
  buildFencedTopics,
  buildTopicKeys,
  runStageBatch,
  sendOnceTopics,
  type StageRuntime,
  type StepDeps,
} from "../src/stage/stage-step";
import type { StageBatchV1 } from "../src/queue/batch-payload";
import { deleteMatching } from "../src/services/redis-keys";
import { createWorld, offsetSum, type World } from "./engine-world";
import { chain, typeWindow } from "./graphs";
import { planNodeRuntime } from "./stage-runtime";
import { testLogger, uniqueName } from "./services";

describe("stage step: a window's results sent out of Sluice once", () => {
  let world: World;
  let deps: StepDeps;
  const pipelines: string[] = [];

  beforeAll(async () => {
    world = await createWorld();
    deps = {
      producer: world.kafka.producer({ name: uniqueName("send-once") }),
      redis: world.redis,
      metrics: engineMetrics(new Registry()),
      log: testLogger,
    };
  });

  afterAll(async () => {
    await deps?.producer.close();
    for (const pipeline of pipelines) await deleteMatching(world.redis, keyPatterns.checkpoints(pipeline));
    await world?.close();
  });

  /**
   * kafka-source → window → kafka-sink; returns the sink's stage runtime (with or without send-once) and its
   * topics. `connection`: the kafka-sink writes through a workspace connection (to the same broker here).
   */
  async function sinkStage(options: { sendOnce: boolean; connection?: boolean }) {
    const pipelineId = uniqueName("send-once");
    pipelines.push(pipelineId);
    const compiled = compilePlan({
      workspaceSlug: world.slug,
      workspaceId: world.workspaceId,
      pipelineId,
      graph: chain([
        { id: "src", type: "kafka-source", config: { topic: `${pipelineId}.source`, startPosition: "earliest" } },
        typeWindow("0s", [{ name: "events", function: "count" }]),
        {
          id: "sink",
          type: "kafka-sink",
          config: {
            topic: `${pipelineId}.external`,
            ...(options.connection ? { connectionId: "test-connection" } : {}),
          },
        },
      ]),
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    const plan: Plan = compiled.plan;
    const stage: Stage = plan.stages.find((s) => s.nodes.some((n) => n.type === "kafka-sink"))!;
    expect(stage.nodes.map((n) => n.id)).toEqual(["sink"]);
    const input = stage.inputTopics[0]!;
    // The user's topic, in the workspace's namespace.
    const external = (stage.nodes[0]!.config as { topic: string }).topic;
    await world.kafka.admin.createTopics([input, external].map((topic) => ({ topic, partitions: 1 })));
    const sink = await planNodeRuntime(stage.nodes[0]!, world.workspaceId, pipelineId, world.kafka);
    const sendOnce = sendOnceTopics(plan, stage);
    expect([...sendOnce]).toEqual([input]);
    const runtime: StageRuntime = {
      plan,
      stage,
      runtimes: new Map([["sink", sink]]),
      topicKey: buildTopicKeys(plan),
      fencedTopics: buildFencedTopics(plan),
      ...(options.sendOnce ? { sendOnce } : {}),
    };
    /** Window results at offsets `from`..`to` of the sink's input partition 0. */
    const batch = (from: number, to: number): StageBatchV1 => ({
      version: "v1",
      topic: input,
      partition: 0,
      records: Array.from({ length: to - from + 1 }, (_, i) => {
        const window = from + i;
        const value = { windowId: `w${window}`, type: "click", events: window, revision: 0 };
        return { o: String(window), k: "click", v: JSON.stringify(value) };
      }),
    });
    const sent = async () => offsetSum(await world.kafka.admin.endOffsets([external]));
    const keys = checkpointKeys(pipelineId, "sink", input, 0);
    /**
     * What a previous owner leaves when it dies after checkpointing `windows` (the last one is the marker's
     * offset) with their outbox, before sending it; `via`: the node that sends it (through a connection).
     */
    const deadOwnerOutbox = async (windows: number[], via?: string) => {
      const before = await readCheckpoint(world.redis, keys);
      const outbox = windows.map((i) => ({
        topic: external,
        key: "click",
        value: JSON.stringify({ windowId: `w${i}`, type: "click", events: i, revision: 0 }),
        ...(via ? { via } : {}),
      }));
      const written = await writeCheckpoint(world.redis, keys, watermarkKey(pipelineId, "sink"), {
        expected: before.checkpoint?.marker ?? "",
        marker: newMarker(String(windows.at(-1))),
        stored: { core: null, seen: {} },
        partition: 0,
        watermark: "",
        outbox,
        sender: "dead-owner",
        leaseMs: 300,
      });
      expect(written).toBe(true);
    };
    return { runtime, batch, sent, keys, deadOwnerOutbox };
  }

  it("a batch read again by the partition's next owner is not sent again (and is without the guard)", async () => {
    const guarded = await sinkStage({ sendOnce: true });
    await runStageBatch(guarded.runtime, guarded.batch(0, 4), 1, false, deps);
    // The previous owner's batch completed but its commit never happened: the next owner reads it again.
    await runStageBatch(guarded.runtime, guarded.batch(0, 4), 1, false, deps);
    expect(await guarded.sent()).toBe(5);
    // It had committed through offset 2: the next owner's batch overlaps; only what is new goes out.
    await runStageBatch(guarded.runtime, guarded.batch(3, 7), 1, false, deps);
    expect(await guarded.sent()).toBe(8);
    expect((await readCheckpoint(world.redis, guarded.keys)).checkpoint?.offset).toBe(7n);

    // The same two batches without the guard: at-least-once, the user's topic sees them twice.
    const plain = await sinkStage({ sendOnce: false });
    await runStageBatch(plain.runtime, plain.batch(0, 4), 1, false, deps);
    await runStageBatch(plain.runtime, plain.batch(0, 4), 1, false, deps);
    expect(await plain.sent()).toBe(10);
  });

  it("two owners running the same batch at once send it once; the loser's retry skips it", async () => {
    const { runtime, batch, sent } = await sinkStage({ sendOnce: true });
    const runs = await Promise.allSettled([
      runStageBatch(runtime, batch(0, 9), 1, false, deps),
      runStageBatch(runtime, batch(0, 9), 1, false, deps),
    ]);
    // Either both read the marker before either checkpointed (one loses the compare-and-set), or the
    // second found the first's checkpoint (and outbox) already and skipped its records.
    for (const run of runs)
      if (run.status === "rejected") expect(String(run.reason)).toContain("moved during the batch");
    expect(runs.some((r) => r.status === "fulfilled")).toBe(true);
    // The loser's job is retried, as the feeder would: it skips what the winner checkpointed.
    await runStageBatch(runtime, batch(0, 9), 2, false, deps);
    expect(await sent()).toBe(10);
  });

  it("sends the outbox a dead owner checkpointed but never sent, once, on the next tick", async () => {
    const { runtime, batch, sent, keys, deadOwnerOutbox } = await sinkStage({ sendOnce: true });
    await runStageBatch(runtime, batch(0, 1), 1, false, deps);
    // The previous owner checkpointed offsets 2..3 with their outbox and died before sending it.
    await deadOwnerOutbox([2, 3]);
    // A tick (no records) once its lease expired, then the same records read again: sent once.
    await runStageBatch(runtime, { ...batch(0, 0), records: [] }, 1, false, deps);
    expect(await sent()).toBe(4);
    expect((await readCheckpoint(world.redis, keys)).outbox).toBeUndefined();
    await runStageBatch(runtime, batch(2, 3), 1, false, deps);
    expect(await sent()).toBe(4);
  });

  it("through a workspace connection: the sink's own producer sends the outbox, once", async () => {
    const { runtime, batch, sent, deadOwnerOutbox } = await sinkStage({ sendOnce: true, connection: true });
    // Sluice's own producer must not send any of it: closed, it would fail the batch.
    const closed = world.kafka.producer({ name: uniqueName("closed") });
    await closed.close();
    const through = { ...deps, producer: closed };
    // Two owners at once: the sink's messages wait for the checkpoint (the loser sends none of them).
    await Promise.allSettled([
      runStageBatch(runtime, batch(0, 4), 1, false, through),
      runStageBatch(runtime, batch(0, 4), 1, false, through),
    ]);
    await runStageBatch(runtime, batch(0, 4), 2, false, through);
    expect(await sent()).toBe(5);
    // An outbox a dead owner left names the sink: its producer sends it on the next tick.
    await deadOwnerOutbox([5, 6], "sink");
    await runStageBatch(runtime, { ...batch(0, 0), records: [] }, 1, false, through);
    expect(await sent()).toBe(7);
    await runStageBatch(runtime, batch(5, 7), 1, false, through);
    expect(await sent()).toBe(8);
  });
});
