// Runs one micro-batch (one job) through a stage's fused chain: decode the input records, run each
// node on what reaches it, write sinks, send every output and dead-letter record to Kafka and wait
// for the acks. Stateful stages checkpoint state, the last applied offset and what the head emitted
// (an outbox) in one Lua script before sending it; a stage that sends a stateful node's results to a
// user's topic checkpoints its offset and outbox the same way (sendOnceTopics). Only after all that does the job
// complete, and only then does the feeder commit the offsets. Its parts: batch-input.ts (records to
// events), fences.ts (fence numbers), bisect.ts (narrowing a failure down to its events),
// dead-letters.ts (error-port records), checkpoint.ts (checkpoint and outbox), source-watermarks.ts
// (watermark records).
import type { Redis } from "ioredis";
import type { KafkaProducer, OutgoingMessage } from "@sluice/kafka";
import {
  type BatchSource,
  compileExpression,
  type CoreContext,
  type CoreFailure,
  defaultPartitionKey,
  eventCount,
  type EventRecord,
  fnv1a32,
  MAX_EVENT_TIME_SKEW_MS,
  type NodeConfig,
  type StatefulCoreResult,
  WindowCore,
} from "@sluice/shared";
import type { Logger } from "../log";
import { tapOutputs } from "../observe/tap";
import type { EngineMetrics } from "../observe/engine-metrics";
import type { NodeRuntime } from "./executors";
import type { ValueDecoder } from "./schema-registries";
import type { Plan, Stage } from "@sluice/shared";
import { isConnectionError } from "./transient-errors";
import { checkpointKeys, watermarkKey } from "@sluice/shared";
import type { StageBatchV1 } from "../queue/batch-payload";
import {
  newestEventTime,
  observeWatermark,
  pruneSourceWatermarks,
  readSourceWatermarks,
  sourceWatermark,
  type WatermarkTarget,
  watermarkDelayOf,
  watermarkMessages,
} from "./source-watermarks";
import {
  type Checkpoint,
  clearOutbox,
  newMarker,
  type OutboxMessage,
  outboxHandover,
  readCheckpoint,
  type StoredState,
  writeCheckpoint,
} from "./checkpoint";
import { fenceNumbering, fenceNumbers, fenceStreamOf } from "./fences";
import { type CombineTarget, startCombining } from "./combine";
import { type Origin, readBatchInput } from "./batch-input";
import { deadLetterMessages } from "./dead-letters";
import { isolate, mergeResults, NODE_FAILED, type NodeResult } from "./bisect";

export type StageRuntime = {
  plan: Plan;
  stage: Stage;
  runtimes: Map<string, NodeRuntime>;
  /** Message key for a record written to a topic, when the topic's consumer needs a specific one. */
  topicKey: Map<string, (event: EventRecord) => string>;
  /** Topics a stateful stage reads: records written to them carry a fence number (FENCE_HEADER). */
  fencedTopics?: ReadonlySet<string>;
  /** A kafka-source head whose values are not JSON: how to read them (schema-registries.ts). */
  decoder?: ValueDecoder;
  /**
   * Topics a window or sessionize reads (event-time field, partition count): a stateless writer ends
   * each batch with a watermark record in every partition of them (source-watermarks.ts).
   */
  watermarkTargets?: ReadonlyMap<string, WatermarkTarget>;
  /** Window inputs whose writers send combiner partials instead of events (combine.ts). */
  combineTargets?: ReadonlyMap<string, CombineTarget>;
  /** Per input topic, the partitions that had records to read when the stage started (carried in its watermark records). */
  expectedPartitions?: ReadonlyMap<string, readonly number[]>;
  /** Input topics whose batches are checkpointed with an outbox so they are sent once (sendOnceTopics). */
  sendOnce?: ReadonlySet<string>;
};

export type StepDeps = {
  producer: KafkaProducer;
  redis: Redis;
  metrics: EngineMetrics;
  log: Logger;
  /** Partitions of the input topic that report no watermark for this long are ignored. Default 30 s. */
  idlePartitionMs?: number;
};

type Pending = { nodeId: string; events: EventRecord[] };
/** Topics read by a stateful stage (their writers add fence numbers). */
export function buildFencedTopics(plan: Plan): Set<string> {
  return new Set(plan.stages.filter((s) => s.stateful).flatMap((s) => s.inputTopics));
}

/**
 * Input topics of `stage` that carry a stateful node's results (which have no fence numbers) into a
 * stage that sends them out of Sluice with a kafka-sink (to Sluice's cluster or through a workspace
 * connection). A rebalance that moves such
 * a partition while a batch is in flight makes its new owner read the batch again; the reader of the
 * user's topic would see those window results (or dedup's events) twice. So these batches are
 * checkpointed like a stateful stage's: an offset marker and an outbox of what the batch sends, written
 * by compare-and-set, the outbox handed over to a live sender (runStageBatch). Their volume is the
 * stateful node's output, and they run one batch per partition at a time.
 */
export function sendOnceTopics(plan: Plan, stage: Stage): Set<string> {
  if (stage.stateful || !stage.nodes.some((node) => node.type === "kafka-sink")) return new Set();
  const results = new Set<string>();
  for (const s of plan.stages.filter((s) => s.stateful))
    for (const [port, route] of Object.entries(s.routes[s.nodes[0]!.id] ?? {}))
      if (port !== "error" && route.topic) results.add(route.topic);
  return new Set(stage.inputTopics.filter((t) => results.has(t) && !stage.deadLetterInputs.includes(t)));
}

export function buildTopicKeys(plan: Plan): Map<string, (event: EventRecord) => string> {
  const keys = new Map<string, (event: EventRecord) => string>();
  const nodeById = new Map(plan.stages.flatMap((s) => s.nodes).map((n) => [n.id, n]));
  for (const [topic, keying] of Object.entries(plan.keying)) {
    const target = keying.kind === "default" ? undefined : nodeById.get(keying.nodeId);
    if (keying.kind === "window-group" && target) {
      const core = new WindowCore(target.config as NodeConfig<"window">);
      // A group-by that fails for an event (missing field, over budget) must not fail the writer's
      // whole batch: the event is keyed by default and the window's own evaluation dead-letters it.
      keys.set(topic, (event) => {
        try {
          return core.groupKeyOf(event);
        } catch {
          return defaultPartitionKey(event) ?? "";
        }
      });
    } else if (keying.kind === "session-user" && target) {
      const compiled = compileExpression((target.config as NodeConfig<"sessionize">).userKey, { kind: "key" });
      if (!compiled.ok) throw new Error(`sessionize ${target.id}: ${compiled.error.message}`);
      keys.set(topic, (event) => {
        try {
          return compiled.evaluate({ event });
        } catch {
          return defaultPartitionKey(event) ?? "";
        }
      });
    }
  }
  return keys;
}

/**
 * `deadLetterUnreachable`: the feeder's outage budget for this batch ran out, so on the last attempt a
 * node whose sink or lookup still cannot be reached dead-letters the batch's events there too.
 */
export async function runStageBatch(
  runtime: StageRuntime,
  batch: StageBatchV1,
  attempt: number,
  finalAttempt: boolean,
  deps: StepDeps,
  options: { deadLetterUnreachable?: boolean } = {},
): Promise<void> {
  const { plan, stage } = runtime;
  const started = performance.now();
  const now = Date.now();
  const failedAt = new Date(now).toISOString();
  const head = stage.nodes[0]!;
  const out: OutboxMessage[] = [];
  // A plain Map, dropped with the batch: a WeakMap's entries cost the GC more (ephemerons).
  const origin = new Map<EventRecord, Origin>();
  const firstOffset = batch.records[0]?.o ?? "0";
  const label = (nodeId: string) => ({ pipeline: plan.pipelineId, node: nodeId });
  const fenceStream = fenceStreamOf(batch.topic, batch.partition);

  const deadLetter = (nodeId: string, failures: readonly CoreFailure[]) => {
    const errorTopic = stage.routes[nodeId]?.["error"]?.topic;
    if (failures.length === 0) return;
    deps.metrics.errors.inc(label(nodeId), failures.length);
    deps.metrics.stats.add(plan.pipelineId, nodeId, "err", failures.length);
    deps.metrics.stats.error(plan.pipelineId, nodeId, failures[0]!.error.message);
    if (!errorTopic) return;
    deps.metrics.dlq.inc(label(nodeId), failures.length);
    deps.metrics.stats.add(plan.pipelineId, nodeId, "dlq", failures.length);
    const source = {
      pipelineId: plan.pipelineId,
      nodeId,
      sourceTopic: batch.topic,
      sourcePartition: batch.partition,
      firstOffset,
      attempt,
      failedAt,
    };
    for (const message of deadLetterMessages(errorTopic, failures, (event) => origin.get(event), source))
      out.push(message);
  };

  // Key of an output: the core's (key-by), else the record's own input key.
  const keyOf = (event: EventRecord, explicit: string | undefined) =>
    explicit ?? origin.get(event)?.key ?? defaultPartitionKey(event);
  // Fence numbers: per topic and source offset, the outputs in order (fences.ts).
  const fenceHeaders = fenceNumbering(fenceStream);
  // Per window input topic: the newest event time this batch wrote to it (for its watermark records).
  const sourceHighs = new Map<string, number>();
  let watermark: number | null | undefined;
  let snapshot: unknown;

  // Stateful stages (and batches sent once, sendOnceTopics): the checkpoint, and an outbox an earlier
  // run checkpointed but may not have finished emitting (it crashed, or lost the race to this run):
  // emit it first, exactly as it was.
  let checkpoint: Checkpoint | undefined;
  const stateful = stage.stateful && runtime.runtimes.get(head.id)?.kind === "stateful";
  const sendOnce = !stateful && (runtime.sendOnce?.has(batch.topic) ?? false);
  const keys = checkpointKeys(plan.pipelineId, head.id, batch.topic, batch.partition);
  if (stateful || sendOnce) {
    let read = await readCheckpoint(deps.redis, keys);
    // The previous owner may still be sending it (a rebalance moved the partition): wait for it rather
    // than send every message a second time; then the checkpoint it wrote is read again.
    if (read.outbox && (await outboxHandover(deps.redis, keys, read.outbox)) === "cleared")
      read = await readCheckpoint(deps.redis, keys);
    checkpoint = read.checkpoint;
    if (read.outbox) {
      await sendOutbox(read.outbox.messages, read.outbox.id);
      deps.log.info(
        { topic: batch.topic, partition: batch.partition, node: head.id },
        "emitted the outbox of an earlier run",
      );
    }
  }
  const skipThrough = checkpoint ? checkpoint.offset : -1n;
  const seen = stateful ? { ...checkpoint?.seen } : undefined;
  // Sources' progress: the stored table, and this batch's watermark records (applied in the step).
  const sources = stateful ? readSourceWatermarks(checkpoint?.sources) : undefined;
  const fromDeadLetters = stage.deadLetterInputs.includes(batch.topic);
  const combining =
    stateful || fromDeadLetters || !runtime.combineTargets?.size
      ? undefined
      : startCombining(runtime.combineTargets, runtime.topicKey, fenceStream, now);
  const combineNumbers = fenceNumbers();
  const { input, replays, undecodable, watermarkRecords, bytesIn, fencedOut } = await readBatchInput(batch, {
    stage,
    ...(runtime.decoder ? { decoder: runtime.decoder } : {}),
    ...(checkpoint ? { skipThrough: checkpoint.offset } : {}),
    ...(seen ? { seen } : {}),
    watermarks: sources !== undefined,
    origin,
    failedAt,
  });
  if (fencedOut > 0)
    deps.log.debug(
      { topic: batch.topic, partition: batch.partition, skipped: fencedOut },
      "skipped records an upstream stage emitted again",
    );
  deadLetter(head.id, undecodable);
  deps.metrics.stats.bytesIn(plan.pipelineId, head.id, bytesIn);
  if (attempt > 1) deps.metrics.stats.retried(plan.pipelineId, head.id, batch.records.length);

  /** On the last attempt, a failure the events may have caused (not a lost connection) is narrowed down to them. */
  const isolating = (error: unknown) => finalAttempt && !isConnectionError(error);
  const logIsolating = (nodeId: string, error: unknown, count: number) =>
    deps.log.warn(
      { err: error, node: nodeId, attempt, events: count },
      "node failed on its last attempt: bisecting the batch to dead-letter only the events that fail",
    );

  /** Runs one node on what reached it; topic outputs go to `out`, the fused next node's input is returned. */
  async function step(nodeId: string, events: EventRecord[]): Promise<Pending | undefined> {
    const node = runtime.runtimes.get(nodeId);
    if (!node) throw new Error(`no runtime for node ${nodeId}`);
    // A window's input may hold combiner partials: counted as the events they stand for.
    const eventsIn = node.kind === "stateful" ? eventCount(events) : events.length;
    deps.metrics.eventsIn.inc(label(nodeId), eventsIn);
    deps.metrics.stats.add(plan.pipelineId, nodeId, "in", eventsIn);
    const ctx: CoreContext = { now };
    let result: NodeResult;
    try {
      if (node.kind === "transform" || node.kind === "sink") {
        // A sink names what it writes by the source offsets it holds (s3-sink files): the whole batch,
        // or while bisecting, the offsets of the part (parts are disjoint when events keep their own offsets).
        const sourceOf = (subset: EventRecord[]): BatchSource => {
          const lastOffset = batch.records.at(-1)?.o ?? firstOffset;
          if (subset === events) return { topic: batch.topic, partition: batch.partition, firstOffset, lastOffset };
          const offsets = subset.map((event) => BigInt(origin.get(event)?.offset ?? firstOffset));
          const min = offsets.reduce((a, b) => (b < a ? b : a));
          const max = offsets.reduce((a, b) => (b > a ? b : a));
          return {
            topic: batch.topic,
            partition: batch.partition,
            firstOffset: min.toString(),
            lastOffset: max.toString(),
          };
        };
        const run = async (subset: EventRecord[]): Promise<NodeResult> => {
          if (node.kind === "transform") return node.process(subset, ctx);
          // Sent once: a kafka-sink's messages are checkpointed in the outbox before they go out, also
          // those for another cluster (tagged with the node whose producer sends them).
          const written = await node.write(subset, ctx, sourceOf(subset), { defer: sendOnce });
          deps.metrics.stats.written(plan.pipelineId, nodeId, subset);
          const produce = written.ownProducer
            ? written.produce?.map((message) => ({ ...message, via: nodeId }))
            : written.produce;
          return { outputs: {}, errors: written.errors, ...(produce ? { produce } : {}) };
        };
        try {
          result = await run(events);
        } catch (error) {
          if (!isolating(error)) throw error;
          logIsolating(nodeId, error, events.length);
          // Runs the halves again: a stateless node or an idempotent sink may (a retried job would too).
          const isolated = await isolate(events, error, async (subset) => ({ result: await run(subset) }));
          result = isolated.result;
          events = isolated.kept;
        }
      } else if (node.kind === "stateful") {
        // Pass 1 with what is known before the batch; the batch then reports this partition's new
        // watermark, and pass 2 (an empty batch, per the core protocol) fires what the new minimum allows.
        // With watermark records from the writers (source-watermarks.ts), the watermark is the minimum
        // over the source partitions' progress (null: hold); otherwise the minimum over this topic's
        // partitions of each one's newest event time (what the core reports).
        let before: number | null | undefined;
        let others: number | undefined;
        let fromSources: number | null | undefined;
        if (sources) {
          const delayMs = watermarkDelayOf(head);
          const idleMs = deps.idlePartitionMs ?? 30_000;
          const previous = sourceWatermark(sources, delayMs, idleMs);
          for (const mark of watermarkRecords) observeWatermark(sources, mark);
          pruneSourceWatermarks(sources);
          // An idle tick (no records: this partition has read everything) lets silence count up to now.
          fromSources = sourceWatermark(sources, delayMs, idleMs, batch.records.length === 0 ? now : undefined);
          if (fromSources !== undefined) before = previous ?? null;
        }
        if (fromSources === undefined) {
          const stored = await partitionWatermarks(deps, plan.pipelineId, nodeId, batch.partition);
          others = stored.others;
          before = others === undefined ? undefined : minOf(others, stored.own);
        }
        const ctxBefore: CoreContext = before === undefined ? ctx : { ...ctx, watermark: before };
        let core = node.restore(checkpoint?.core);
        let processed: StatefulCoreResult;
        try {
          processed = core.process(events, ctxBefore);
        } catch (error) {
          if (!isolating(error)) throw error;
          logIsolating(nodeId, error, events.length);
          // The core that threw may be half-updated: start again from the checkpoint, and before each
          // part from a snapshot of the core so far, so the events that pass are applied exactly once.
          core = node.restore(checkpoint?.core);
          const isolated = await isolate(events, error, async (subset) => {
            const saved = core.snapshot();
            try {
              return { result: core.process(subset, ctxBefore) };
            } catch (partError) {
              core = node.restore(saved);
              throw partError;
            }
          });
          // This partition's watermark after everything that was applied (and what that fires).
          const settled = core.process([], ctxBefore);
          processed = { ...mergeResults([isolated.result, settled]), watermark: settled.watermark };
        }
        watermark = fromSources === undefined ? processed.watermark : fromSources;
        if (others !== undefined || typeof fromSources === "number") {
          const after = fromSources === undefined ? minOf(others!, watermark ?? undefined) : fromSources!;
          if (after !== null && (before === undefined || before === null || after > before)) {
            const fired = core.process([], { ...ctx, watermark: after });
            for (const [port, records] of Object.entries(fired.outputs))
              (processed.outputs[port] ??= []).push(...records);
            processed.errors.push(...fired.errors);
          }
        }
        snapshot = core.snapshot();
        result = processed;
      } else throw new Error(`node ${nodeId} is a source and cannot run in a stage`);
    } catch (error) {
      // Retried with backoff; on the last attempt the batch's events at this node are dead-lettered,
      // so a bad batch never blocks the partition. A lost connection (sink or lookup down) is not the
      // events' fault: the batch is run again (the partition waits, lag and ingest's 429 push back)
      // until the feeder's outage budget (RUNNER_SINK_OUTAGE_MAX_MS) runs out. (Failures the events
      // cause are narrowed down to them above, on the last attempt; what reaches here is the rest.)
      const unreachable = isConnectionError(error);
      const message = error instanceof Error ? error.message : String(error);
      deps.metrics.stats.error(plan.pipelineId, nodeId, message);
      if (!finalAttempt || (unreachable && !options.deadLetterUnreachable)) throw error;
      deps.log.warn({ err: error, node: nodeId, attempt }, "node failed on its last attempt: dead-lettering the batch");
      const reason = unreachable ? `unreachable for longer than the outage budget: ${message}` : message;
      deadLetter(
        nodeId,
        events.map((event) => ({ event, error: { code: NODE_FAILED, message: reason } })),
      );
      return undefined;
    }
    deadLetter(nodeId, result.errors);
    if (result.produce) out.push(...result.produce);
    let next: Pending | undefined;
    for (const [port, records] of Object.entries(result.outputs)) {
      if (records.length === 0 || port === "error") continue;
      tapOutputs(deps.redis, plan.pipelineId, nodeId, port, records);
      const eventsOut = node.kind === "stateful" ? eventCount(records) : records.length;
      deps.metrics.eventsOut.inc(label(nodeId), eventsOut);
      deps.metrics.stats.add(plan.pipelineId, nodeId, "out", eventsOut);
      const route = stage.routes[nodeId]?.[port];
      // Same count as the input: a 1:1 node (map, mask-pii), so position gives provenance. Not for a
      // stateful core: N window results from N inputs are unrelated to them.
      const sameCount = records.length === events.length && node.kind !== "stateful";
      if (route?.next) {
        // Keep keys and provenance across fused nodes that build new records (map, mask-pii are 1:1).
        records.forEach((record, i) => {
          if (origin.has(record)) return;
          const explicit = result.keys?.[port]?.[i];
          const from = sameCount ? origin.get(events[i]!) : undefined;
          // Same provenance object when the key does not change: no allocation per record per fused hop.
          origin.set(
            record,
            from && explicit === undefined
              ? from
              : {
                  offset: from?.offset ?? firstOffset,
                  key: explicit ?? from?.key ?? defaultPartitionKey(record),
                  exact: from?.exact ?? false,
                  ...(from?.prior ? { prior: from.prior } : {}),
                },
          );
        });
        next = { nodeId: route.next, events: records };
      } else if (route?.topic) {
        const topic = route.topic;
        const topicKey = runtime.topicKey.get(topic);
        const fenced = runtime.fencedTopics?.has(topic) ?? false;
        // The newest event time written to a window's or sessionize's input (its watermark records).
        const target = stateful || fromDeadLetters ? undefined : runtime.watermarkTargets?.get(topic);
        if (target) {
          const high = newestEventTime(sourceHighs.get(topic), records, target.eventTimeField, now);
          if (high !== undefined) sourceHighs.set(topic, high);
        }
        records.forEach((record, i) => {
          const explicit = result.keys?.[port]?.[i];
          const own = origin.get(record);
          const from = own ?? (sameCount ? origin.get(events[i]!) : undefined);
          const fallback = sameCount && !own ? (from?.key ?? undefined) : undefined;
          // A window's input the combiner pre-aggregates (combine.ts): its partials are sent after the batch.
          if (fenced && from?.exact && combining?.has(topic)) {
            const n = combineNumbers(topic, from.offset);
            if (n !== undefined && combining.add(topic, record, n)) return;
          }
          const message: OutgoingMessage = {
            topic,
            key: topicKey ? topicKey(record) : keyOf(record, explicit ?? fallback),
            value: JSON.stringify(record),
          };
          if (fenced && from?.exact) {
            const headers = fenceHeaders(topic, from.offset);
            if (headers) message.headers = headers;
          }
          out.push(message);
        });
      }
    }
    return next;
  }

  /** Runs the fused chain from `first`; replayed records join it at their node (the chain is linear: earliest node first). */
  async function drive(first: Pending | undefined, waiting: Map<string, EventRecord[]>): Promise<void> {
    let pending = first;
    const nextReplay = () => {
      const nodeId = stage.nodes.find((n) => waiting.has(n.id))?.id;
      return nodeId ? { nodeId, events: [] } : undefined;
    };
    while ((pending ??= nextReplay())) {
      const nodeId = pending.nodeId;
      const events = waiting.has(nodeId) ? [...pending.events, ...waiting.get(nodeId)!] : pending.events;
      waiting.delete(nodeId);
      pending = await step(nodeId, events);
    }
  }

  /**
   * Sends checkpointed messages (to Sluice's cluster, or through the node they name: a kafka-sink's own
   * connection), then deletes their outbox (if it is still this one).
   */
  async function sendOutbox(messages: OutboxMessage[], id: string): Promise<void> {
    // A stateful head's outbox (all of dedup's events) names no node: sent as it is, no copy per message.
    if (!messages.some((message) => message.via !== undefined)) {
      if (messages.length > 0) await deps.producer.send(messages);
    } else {
      const byNode = new Map<string | undefined, OutgoingMessage[]>();
      for (const { via, ...message } of messages) {
        const group = byNode.get(via);
        if (group) group.push(message);
        else byNode.set(via, [message]);
      }
      await Promise.all(
        [...byNode].map(([via, group]) => {
          if (via === undefined) return deps.producer.send(group);
          const sink = runtime.runtimes.get(via);
          if (sink?.kind !== "sink" || !sink.send)
            throw new Error(
              `the outbox of ${batch.topic}/${batch.partition} names node ${via}, which sends nothing here`,
            );
          return sink.send(group);
        }),
      );
    }
    await clearOutbox(deps.redis, keys, id);
  }

  if (!stateful) {
    await drive(input.length > 0 ? { nodeId: head.id, events: input } : undefined, replays);
    // After the batch's records, in every partition of each window input it wrote to: how far this
    // source partition got in event time (same send, so each partition gets it after the data).
    const source = {
      family: fnv1a32(batch.topic).toString(36),
      partition: batch.partition,
      expected: runtime.expectedPartitions?.get(batch.topic) ?? [],
    };
    if (combining) for (const message of combining.messages()) out.push(message);
    for (const message of watermarkMessages(sourceHighs, runtime.watermarkTargets, source, now)) out.push(message);
    const last = batch.records.at(-1)?.o;
    if (sendOnce && last !== undefined && BigInt(last) > skipThrough) {
      // Sent once (sendOnceTopics): what this batch sends is checkpointed as an outbox with the offset
      // marker, only if no other run (the partition's previous owner) checkpointed these records first.
      const marker = newMarker(last);
      const applied = await writeCheckpoint(deps.redis, keys, watermarkKey(plan.pipelineId, head.id), {
        expected: checkpoint?.marker ?? "",
        marker,
        stored: { core: null, seen: {} },
        partition: batch.partition,
        watermark: "",
        outbox: out,
      });
      if (!applied) throw new Error(`checkpoint of ${batch.topic}/${batch.partition} moved during the batch; retrying`);
      if (out.length > 0) await sendOutbox(out, marker);
    } else if (out.length > 0) await deps.producer.send(out);
  } else {
    // The plan keeps a stateful node alone in its stage: all it emits are topic records and dead
    // letters in `out`. Its state, the offset marker, the watermark and `out` (the outbox) are
    // checkpointed in one atomic step, and only if no other run checkpointed this partition since we
    // read it (a crashed runner's job, a revoked owner's batch): the loser emits nothing of its own.
    // Then `out` is sent; a crash in between leaves the outbox for the next run to send again (same
    // window ids and fence numbers: sinks upsert, readers skip).
    if ((await step(head.id, input)) || replays.size > 0)
      throw new Error(`stateful node ${head.id} must be alone in its stage`);
    // A tick (no records) checkpoints only when it fired something; the marker's offset then stays.
    const last = batch.records.at(-1)?.o ?? (out.length > 0 && checkpoint ? checkpoint.offset.toString() : undefined);
    if (last !== undefined && (BigInt(last) > skipThrough || batch.records.length === 0)) {
      const marker = newMarker(last);
      const stored: StoredState = {
        core: snapshot ?? checkpoint?.core ?? null,
        seen: seen ?? {},
        ...(sources && Object.keys(sources.streams).length > 0 ? { sources } : {}),
      };
      const applied = await writeCheckpoint(deps.redis, keys, watermarkKey(plan.pipelineId, head.id), {
        expected: checkpoint?.marker ?? "",
        marker,
        stored,
        partition: batch.partition,
        watermark: watermark === undefined || watermark === null ? "" : `${watermark}:${now}`,
        outbox: out,
      });
      if (!applied) throw new Error(`checkpoint of ${batch.topic}/${batch.partition} moved during the batch; retrying`);
      if (out.length > 0) await sendOutbox(out, marker);
    }
  }
  observeIngestLatency(deps.metrics, label(head.id), input);
  const elapsedMs = performance.now() - started;
  deps.metrics.batchSeconds.observe(label(head.id), elapsedMs / 1000);
  deps.metrics.stats.latency(plan.pipelineId, head.id, elapsedMs);
}

const LATENCY_SAMPLE_EVERY = 8;
let latencySampled = 0;

/** Every 8th event (a stride across batches, so big and small batches weigh per event) that carries ingest's receivedAt. */
function observeIngestLatency(
  metrics: EngineMetrics,
  labels: { pipeline: string; node: string },
  events: readonly EventRecord[],
) {
  const doneAt = Date.now();
  let i = (LATENCY_SAMPLE_EVERY - (latencySampled % LATENCY_SAMPLE_EVERY)) % LATENCY_SAMPLE_EVERY;
  latencySampled += events.length;
  for (; i < events.length; i += LATENCY_SAMPLE_EVERY) {
    const receivedAt = events[i]!["receivedAt"];
    if (typeof receivedAt !== "string") continue;
    const at = Date.parse(receivedAt);
    if (!Number.isNaN(at)) metrics.eventLatency.observe(labels, Math.max(0, doneAt - at) / 1000);
  }
}

/**
 * This partition's last stored watermark, and the minimum over the other partitions, ignoring those
 * idle for longer than the timeout (undefined when none reported: the core then goes by its own).
 */
async function partitionWatermarks(
  deps: StepDeps,
  pipelineId: string,
  nodeId: string,
  partition: number,
): Promise<{ own?: number; others?: number }> {
  const all = await deps.redis.hgetall(watermarkKey(pipelineId, nodeId));
  const idleMs = deps.idlePartitionMs ?? 30_000;
  const now = Date.now();
  const result: { own?: number; others?: number } = {};
  for (const [field, value] of Object.entries(all)) {
    const [wm, at] = value.split(":").map(Number);
    // A watermark stored before event times were bounded may lie far ahead: it would make every event late.
    if (wm === undefined || at === undefined || Number.isNaN(wm) || wm > now + MAX_EVENT_TIME_SKEW_MS) continue;
    if (field === String(partition)) result.own = wm;
    else if (now - at <= idleMs) result.others = result.others === undefined ? wm : Math.min(result.others, wm);
  }
  return result;
}

function minOf(a: number, b: number | undefined): number {
  return b === undefined ? a : Math.min(a, b);
}
