import "server-only";
import { randomUUID } from "node:crypto";
import type { KafkaProducer, OutgoingMessage } from "@sluice/kafka";
import {
  normalizeIngestPayload,
  REPLAY_ATTEMPTS_HEADER,
  REPLAY_NODE_HEADER,
  UNDECODABLE_RECORD_CODE,
} from "@sluice/shared";
import { DependencyFailedError, PreconditionFailedError } from "../../errors";
import { kafka } from "../../kafka";
import { type ObservedPipeline, observedPipeline } from "../../pipelines/observed";
import { singleton } from "../../singleton";
import type { ServiceContext } from "../context";
import { claim, type DeadLetter, type DeadLetterSelection, selectDeadLetters, unclaim } from "./dead-letters";

const producer = singleton("dlqProducer", (): KafkaProducer => kafka().producer({ name: "dlq-replay" }));

/**
 * Where a dead letter goes on replay, per the deployed plan: back into the input topic of the stage
 * that contains its node, with a header making it enter the chain at that node. An ingest node's
 * rejects are validated again with the node's current settings and go to its output topic if valid.
 */
function replayMessage(
  observed: ObservedPipeline,
  r: DeadLetter,
): { ok: true; message: OutgoingMessage } | { ok: false; reason: string } {
  const plan = observed.plan;
  if (!plan) return { ok: false, reason: "the deployed version does not compile" };
  const value = r.record.value;
  if (!value) return { ok: false, reason: "the record has no value" };
  // The runner wraps a value that was not a JSON object as { raw }: replaying it would inject that wrapper.
  if (r.code === UNDECODABLE_RECORD_CODE)
    return { ok: false, reason: "the original value was not a JSON object; fix the producer instead" };
  const ingest = plan.ingest.find((i) => i.nodeId === r.nodeId);
  if (ingest) {
    let body: unknown;
    try {
      body = JSON.parse(value.toString("utf8"));
    } catch {
      return { ok: false, reason: "not JSON" };
    }
    const result = normalizeIngestPayload(body, ingest.config, { receivedAt: Date.now(), newId: randomUUID });
    if (!result.ok) return { ok: false, reason: result.message };
    const [event] = result.accepted;
    if (!event)
      return {
        ok: false,
        reason:
          result.rejected[0]?.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") ??
          "still invalid",
      };
    return { ok: true, message: { topic: ingest.topic, key: r.key, value: JSON.stringify(event) } };
  }
  const stage = plan.stages.find((s) => s.nodes.some((n) => n.id === r.nodeId));
  if (!stage) return { ok: false, reason: `node ${r.nodeId} is not in the deployed version` };
  const topic = stage.inputTopics.find((t) => !stage.deadLetterInputs.includes(t));
  if (!topic || !plan.topics.some((t) => t.name === topic && t.managed))
    return { ok: false, reason: "its stage reads an external topic, which the inbox never writes to" };
  const headers = {
    [REPLAY_NODE_HEADER]: r.nodeId,
    ...(r.attempt ? { [REPLAY_ATTEMPTS_HEADER]: String(r.attempt) } : {}),
  };
  return { ok: true, message: { topic, key: r.key, value, headers } };
}

/** Replays selected (or all matching) dead letters into their node's input. Each record at most once. */
export async function replayDeadLetters(ctx: ServiceContext, input: DeadLetterSelection & { pipelineId: string }) {
  const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
  if (!observed.plan) throw new PreconditionFailedError("Deploy the pipeline (with the fix) before replaying.");
  const { records: candidates, more } = await selectDeadLetters(ctx.prisma, observed, input);
  const claimed = await claim(ctx.prisma, ctx.workspace.id, input.pipelineId, ctx.user.id, "replayed", candidates);
  const messages: OutgoingMessage[] = [];
  const replayed: DeadLetter[] = [];
  const failed: { id: string; reason: string }[] = [];
  for (const r of claimed) {
    const target = replayMessage(observed, r);
    if (target.ok) {
      messages.push(target.message);
      replayed.push(r);
    } else failed.push({ id: r.id, reason: target.reason });
  }
  await unclaim(
    ctx.prisma,
    claimed.filter((r) => !replayed.includes(r)),
  );
  try {
    if (messages.length > 0) await producer().send(messages);
  } catch (error) {
    await unclaim(ctx.prisma, replayed);
    throw new DependencyFailedError(`Kafka refused the replay: ${(error as Error).message}`);
  }
  await ctx.audit({
    action: "dlq.replay",
    resourceType: "pipeline",
    resourceId: input.pipelineId,
    summary: {
      replayed: replayed.length,
      failed: failed.length,
      alreadyHandled: candidates.length - claimed.length,
      nodes: [...new Set(replayed.map((r) => r.nodeId))],
    },
  });
  const running = observed.deployment?.desiredState === "running";
  return {
    replayed: replayed.map((r) => r.id),
    failed,
    more,
    warning: running
      ? null
      : "The pipeline is not running: replayed events wait in its topic until it is deployed again.",
  };
}
