// The bisection of a failing batch at a stateful head (real dedup core, real Redis checkpoint, real
// Kafka): a core that throws on one event after it already applied the events before it (a bug it
// might have) must not leave those events applied twice. Each part runs on a snapshot of the core
// so far, so exactly the unique good events come out once, and only the bad one is dead-lettered.
import { compilePlan, decodeDeadLetterHeaders, type EventRecord } from "@sluice/shared";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineMetrics } from "../src/observe/engine-metrics";
import type { NodeRuntime } from "../src/stage/executors";
import { buildFencedTopics, buildTopicKeys, runStageBatch, type StageRuntime } from "../src/stage/stage-step";
import type { StageBatchV1 } from "../src/queue/batch-payload";
import { createWorld, readAll, type World } from "./engine-world";
import { graph } from "./graphs";
import { planNodeRuntime } from "./stage-runtime";
import { testLogger, uniqueName } from "./services";

describe("stage step: bisecting at a stateful head", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it("applies each passing event once and dead-letters only the one the core throws on", async () => {
    const pipelineId = uniqueName("bisect-stateful");
    const compiled = compilePlan({
      workspaceSlug: world.slug,
      workspaceId: world.workspaceId,
      pipelineId,
      graph: graph(
        [
          { id: "ingest", type: "http-ingest" },
          { id: "dedup", type: "dedup", config: { key: "event.id", window: "1h" } },
          { id: "out", type: "kafka-sink", config: { topic: `${pipelineId}.external` } },
        ],
        [
          ["ingest", "dedup"],
          ["dedup", "out"],
        ],
      ),
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    const plan = compiled.plan;
    const stage = plan.stages.find((s) => s.id === "dedup")!;
    const outTopic = stage.routes["dedup"]!["out"]!.topic!;
    const dlqTopic = stage.routes["dedup"]!["error"]!.topic!;
    await world.kafka.admin.createTopics(
      [outTopic, dlqTopic, stage.inputTopics[0]!].map((topic) => ({ topic, partitions: 1 })),
    );

    const real = await planNodeRuntime(stage.nodes[0]!, world.workspaceId, pipelineId);
    if (real.kind !== "stateful") throw new Error("dedup is stateful");
    // The real core, except that it throws on an event marked `boom` after applying those before it.
    const buggy: NodeRuntime = {
      kind: "stateful",
      restore(state) {
        const core = real.restore(state);
        return {
          process(batch, ctx) {
            const at = batch.findIndex((event) => (event.props as { boom?: boolean } | undefined)?.boom === true);
            if (at < 0) return core.process(batch, ctx);
            core.process(batch.slice(0, at), ctx);
            throw new Error("core bug: cannot handle this event");
          },
          snapshot: () => core.snapshot(),
        };
      },
    };
    const runtime: StageRuntime = {
      plan,
      stage,
      runtimes: new Map([["dedup", buggy]]),
      topicKey: buildTopicKeys(plan),
      fencedTopics: buildFencedTopics(plan),
    };
    const deps = {
      producer: world.kafka.producer({ name: uniqueName("bisect-stateful") }),
      redis: world.redis,
      metrics: engineMetrics(new Registry()),
      log: testLogger,
    };

    const now = Date.now();
    const ids = ["a", "b", "c", "d", "b", "e", "f", "boom", "a", "g", "h", "c"];
    const events: EventRecord[] = ids.map((id, i) => ({
      id,
      type: "click",
      userId: "u",
      timestamp: new Date(now - 60_000 + i).toISOString(),
      props: { boom: id === "boom" },
    }));
    const batch: StageBatchV1 = {
      version: "v1",
      topic: stage.inputTopics[0]!,
      partition: 0,
      records: events.map((event, i) => ({ o: String(i), k: "u", v: JSON.stringify(event) })),
    };
    try {
      // Not the last attempt: the job fails and will be retried, nothing is emitted or checkpointed.
      await expect(runStageBatch(runtime, batch, 1, false, deps)).rejects.toThrow("core bug");
      await runStageBatch(runtime, batch, 2, true, deps);

      const out = await readAll(world, outTopic, 8);
      expect(out.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id)).toEqual([
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "g",
        "h",
      ]);
      const dead = await readAll(world, dlqTopic, 1);
      expect(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id)).toEqual(["boom"]);
      const headers = decodeDeadLetterHeaders(dead[0]!.headers);
      expect(headers.success && headers.data).toMatchObject({
        nodeId: "dedup",
        errorCode: "node.failed",
        errorMessage: "core bug: cannot handle this event",
        sourceOffset: "7",
        attempt: 2,
      });

      // The checkpoint holds the state after the good events: the batch again is skipped, and a repeat is a duplicate.
      await runStageBatch(runtime, batch, 1, false, deps);
      await runStageBatch(
        runtime,
        {
          ...batch,
          records: [{ o: "12", k: "u", v: JSON.stringify({ ...events[0], timestamp: new Date(now).toISOString() }) }],
        },
        1,
        false,
        deps,
      );
      await new Promise((r) => setTimeout(r, 500));
      const end = async (topic: string) => Number((await world.kafka.admin.endOffsets([topic]))[0]!.offset);
      expect([await end(outTopic), await end(dlqTopic)]).toEqual([8, 1]);
    } finally {
      await deps.producer.close();
    }
  });
});
