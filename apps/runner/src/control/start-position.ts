// An explicit start position for a deployment: `earliest` reprocesses everything the pipeline's entry
// topics (HTTP ingest, generator, kafka-source) still retain, `latest` skips what is waiting; `resume`
// (the default) keeps the committed offsets. For earliest/latest every stage's consumer group is moved
// before any stage starts: groups reading entry topics to their start (earliest) or end (latest), and
// groups reading internal topics to the end in both cases — with `earliest` everything downstream is
// derived again from the replayed entries, so re-reading the old intermediate records as well would
// process them twice. The pipeline's
// stateful checkpoints are dropped with it (a checkpoint's offset marker would otherwise skip the
// replayed records, and its windows would count them twice). This happens once per deployment, not
// on every start: a runner restart or a second runner must resume, not reset again.
import type { Redis } from "ioredis";
import type { StartPosition } from "@sluice/db";
import type { Kafka } from "@sluice/kafka";
import type { Logger } from "../log";
import { keyPatterns, offsetsResetKeys, type Plan, type Stage, watermarkKey } from "@sluice/shared";
import { deleteMatching } from "../services/redis-keys";
import { sendOnceTopics } from "../stage/stage-step";

const LEASE_MS = 60_000;

export async function applyStartPosition(
  deploymentId: string,
  position: StartPosition,
  plan: Plan,
  deps: {
    kafka: Kafka /** A stage's own cluster (kafka-source through a connection); default `kafka`. */;
    kafkaOf?: (stage: Stage) => Kafka | undefined;
    redis: Redis;
    runnerId: string;
    log: Logger;
    waitMs?: number;
  },
): Promise<void> {
  if (position === "resume") return;
  const keys = offsetsResetKeys(deploymentId);
  const deadline = Date.now() + (deps.waitMs ?? 30_000);
  while (!(await deps.redis.exists(keys.done))) {
    if ((await deps.redis.set(keys.lease, deps.runnerId, "PX", LEASE_MS, "NX")) === "OK") {
      try {
        await resetOffsets(plan, position, deps, deadline);
        await resetState(plan, deps.redis);
        await deps.redis.set(keys.done, position);
        deps.log.info({ deploymentId, position }, "consumer offsets and stateful checkpoints reset");
      } finally {
        await deps.redis.del(keys.lease);
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`another runner is still resetting offsets to ${position}; retrying`);
    await sleep(200);
  }
}

async function resetOffsets(
  plan: Plan,
  position: "earliest" | "latest",
  deps: { kafka: Kafka; kafkaOf?: (stage: Stage) => Kafka | undefined; log: Logger },
  deadline: number,
) {
  const entries = new Set([...plan.ingest.map((i) => i.topic), ...plan.generators.map((g) => g.topic)]);
  for (const stage of plan.stages) {
    const { admin } = deps.kafkaOf?.(stage) ?? deps.kafka;
    // The broker only accepts new offsets for an empty group: wait for old members (a previous
    // version draining on another runner) to leave.
    for (;;) {
      const members = await admin.groupMembers(stage.groupId);
      if (members.length === 0) break;
      if (Date.now() > deadline)
        throw new Error(
          `consumer group ${stage.groupId} still has ${members.length} member(s); cannot reset its offsets yet`,
        );
      await sleep(250);
    }
    const fromStart =
      position === "earliest"
        ? stage.inputTopics.filter((t) => entries.has(t) || stage.nodes[0]!.type === "kafka-source")
        : [];
    const toEnd = stage.inputTopics.filter((t) => !fromStart.includes(t));
    const [starts, ends] = await Promise.all([admin.startOffsets(fromStart), admin.endOffsets(toEnd)]);
    await admin.setCommittedOffsets(stage.groupId, [...starts, ...ends]);
  }
}

/**
 * Deletes every checkpoint and watermark of the plan's stateful stages and of the stages that send their
 * results once (all partitions, all input topics).
 */
async function resetState(plan: Plan, redis: Redis): Promise<void> {
  for (const stage of plan.stages.filter((s) => s.stateful || sendOnceTopics(plan, s).size > 0)) {
    const head = stage.nodes[0]!.id;
    await deleteMatching(redis, keyPatterns.checkpoints(plan.pipelineId, head));
    await redis.del(watermarkKey(plan.pipelineId, head));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
