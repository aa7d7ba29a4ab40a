// Runs one micro-batch (one job) through a stage's fused chain: decode the input records, run each
// node on what reaches it, write sinks, send every output and dead-letter record to Kafka and wait
// for the acks, then (stateful stages) checkpoint state and the last applied offset in one Lua script.
// Only after that does the job complete, and only then does the feeder commit the offsets.
import type { Redis } from "ioredis";
import { z } from "zod";
import type { KafkaProducer, OutgoingMessage } from "@sluice/kafka";
import {
  compileExpression,
  type CoreContext,
  type CoreFailure,
  type CoreResult,
  deadLetterRecord,
  decodeDeadLetterHeaders,
  defaultPartitionKey,
  encodeDeadLetterHeaders,
  type EventRecord,
  isJsonObject,
  type JsonValue,
  type NodeConfig,
  WindowCore,
} from "@sluice/shared";
import type { Logger } from "../log";
import { tapOutputs } from "../monitoring/tap";
import { runRedisScript } from "../services/redis";
import type { EngineMetrics } from "./engine-metrics";
import type { NodeRuntime } from "./executors";
import type { Plan, Stage } from "./plan";
import { REPLAY_NODE_HEADER, UNDECODABLE_RECORD_CODE } from "@sluice/shared";

/** A job's payload: consecutive records of one partition. Values stay raw text (decoded by the worker). */
export const StageBatchV1 = z.object({
  version: z.literal("v1"),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  records: z.array(z.object({ o: z.string(), k: z.string().nullable(), v: z.string(), h: z.record(z.string(), z.string()).optional() })),
});
export type StageBatchV1 = z.infer<typeof StageBatchV1>;

export type StageRuntime = {
  plan: Plan;
  stage: Stage;
  runtimes: Map<string, NodeRuntime>;
  /** Message key for a record written to a topic, when the topic's consumer needs a specific one. */
  topicKey: Map<string, (event: EventRecord) => string>;
};

export type StepDeps = {
  producer: KafkaProducer;
  redis: Redis;
  metrics: EngineMetrics;
  log: Logger;
  /** Partitions of the input topic that report no watermark for this long are ignored. Default 30 s. */
  idlePartitionMs?: number;
};

/** Stable machine codes for failures the runner itself detects. */
const NODE_FAILED = "node.failed";

/** Redis keys of a stateful node's checkpoint (per partition) and watermarks (per input topic). */
export function checkpointKeys(pipelineId: string, nodeId: string, topic: string, partition: number) {
  const base = `sluice:state:${pipelineId}:${nodeId}:${topic}:${partition}`;
  return { state: base, marker: `${base}:offset` };
}

/** KEYS: marker, state, watermarks. ARGV: expected marker ("" = none), new marker, state, partition, watermark ("" = none). */
const CHECKPOINT_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
return 1
`;
export const watermarkKey = (pipelineId: string, nodeId: string) => `sluice:watermarks:${pipelineId}:${nodeId}`;

type Checkpoint = { offset: string; state: unknown };

export function buildTopicKeys(plan: Plan): Map<string, (event: EventRecord) => string> {
  const keys = new Map<string, (event: EventRecord) => string>();
  const nodeById = new Map(plan.stages.flatMap((s) => s.nodes).map((n) => [n.id, n]));
  for (const [topic, keying] of Object.entries(plan.keying)) {
    const target = keying.kind === "default" ? undefined : nodeById.get(keying.nodeId);
    if (keying.kind === "window-group" && target) {
      const core = new WindowCore(target.config as NodeConfig<"window">);
      keys.set(topic, (event) => core.groupKeyOf(event));
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

export async function runStageBatch(runtime: StageRuntime, batch: StageBatchV1, attempt: number, finalAttempt: boolean, deps: StepDeps): Promise<void> {
  const { plan, stage } = runtime;
  const started = performance.now();
  const now = Date.now();
  const failedAt = new Date(now).toISOString();
  const head = stage.nodes[0]!;
  const out: OutgoingMessage[] = [];
  const origin = new WeakMap<EventRecord, { offset: string; key: string | null }>();
  const firstOffset = batch.records[0]?.o ?? "0";
  const label = (nodeId: string) => ({ pipeline: plan.pipelineId, node: nodeId });

  const deadLetter = (nodeId: string, failures: readonly CoreFailure[]) => {
    const errorTopic = stage.routes[nodeId]?.["error"]?.topic;
    if (failures.length === 0) return;
    deps.metrics.errors.inc(label(nodeId), failures.length);
    deps.metrics.stats.add(plan.pipelineId, nodeId, "err", failures.length);
    deps.metrics.stats.error(plan.pipelineId, nodeId, failures[0]!.error.message);
    if (!errorTopic) return;
    deps.metrics.dlq.inc(label(nodeId), failures.length);
    deps.metrics.stats.add(plan.pipelineId, nodeId, "dlq", failures.length);
    for (const failure of failures) {
      const from = origin.get(failure.event);
      out.push({
        topic: errorTopic,
        key: from?.key ?? defaultPartitionKey(failure.event),
        value: JSON.stringify(failure.event),
        headers: encodeDeadLetterHeaders({
          version: "v1",
          errorCode: failure.error.code,
          errorMessage: failure.error.message.slice(0, 1000),
          pipelineId: plan.pipelineId,
          nodeId,
          sourceTopic: batch.topic,
          sourcePartition: batch.partition,
          sourceOffset: from?.offset ?? firstOffset,
          attempt,
          failedAt,
        }),
      });
    }
  };

  // Decode. Records at or below a stateful node's checkpoint were applied before a crash: skip them.
  let checkpoint: Checkpoint | undefined;
  const stateful = head && stage.stateful ? runtime.runtimes.get(head.id) : undefined;
  const keys = checkpointKeys(plan.pipelineId, head.id, batch.topic, batch.partition);
  if (stateful?.kind === "stateful") {
    const [marker, state] = await deps.redis.mget(keys.marker, keys.state);
    checkpoint = marker ? { offset: marker, state: state ? (JSON.parse(state) as unknown) : undefined } : undefined;
  }
  const skipThrough = checkpoint ? BigInt(checkpoint.offset) : -1n;
  const input: EventRecord[] = [];
  const undecodable: CoreFailure[] = [];
  const fromDeadLetters = stage.deadLetterInputs.includes(batch.topic);
  const replays = new Map<string, EventRecord[]>();
  let bytesIn = 0;
  for (const record of batch.records) {
    bytesIn += Buffer.byteLength(record.v);
    if (checkpoint && BigInt(record.o) <= skipThrough) continue;
    let value: JsonValue | undefined;
    try {
      value = JSON.parse(record.v) as JsonValue;
    } catch {
      value = undefined;
    }
    if (value === undefined || !isJsonObject(value)) {
      const event: EventRecord = { raw: record.v.slice(0, 100_000) };
      origin.set(event, { offset: record.o, key: record.k });
      undecodable.push({ event, error: { code: UNDECODABLE_RECORD_CODE, message: "record value is not a JSON object" } });
      continue;
    }
    let event: EventRecord = value;
    if (fromDeadLetters) {
      const headers = decodeDeadLetterHeaders(record.h ?? {});
      const error = headers.success ? { code: headers.data.errorCode, message: headers.data.errorMessage } : { code: "unknown", message: "" };
      event = deadLetterRecord(value, error, headers.success ? headers.data.nodeId : "", headers.success ? headers.data.failedAt : failedAt);
    }
    origin.set(event, { offset: record.o, key: record.k });
    const replayAt = record.h?.[REPLAY_NODE_HEADER];
    if (replayAt && replayAt !== head.id && stage.nodes.some((n) => n.id === replayAt)) {
      const list = replays.get(replayAt);
      if (list) list.push(event);
      else replays.set(replayAt, [event]);
      continue;
    }
    input.push(event);
  }
  deadLetter(head.id, undecodable);
  deps.metrics.stats.bytesIn(plan.pipelineId, head.id, bytesIn);
  if (attempt > 1) deps.metrics.stats.retried(plan.pipelineId, head.id, batch.records.length);

  // Run the chain. Key of an output: the core's (key-by), else the record's own input key.
  const keyOf = (event: EventRecord, explicit: string | undefined) => explicit ?? origin.get(event)?.key ?? defaultPartitionKey(event);
  let watermark: number | null | undefined;
  let snapshot: unknown;
  let pending: { nodeId: string; events: EventRecord[] } | undefined = input.length > 0 || stage.stateful ? { nodeId: head.id, events: input } : undefined;
  // Replayed records join the chain at their node (the chain is linear: earliest node first).
  const nextReplay = () => {
    const nodeId = stage.nodes.find((n) => replays.has(n.id))?.id;
    return nodeId ? { nodeId, events: [] } : undefined;
  };
  while ((pending ??= nextReplay())) {
    const nodeId = pending.nodeId;
    const events = replays.has(nodeId) ? [...pending.events, ...replays.get(nodeId)!] : pending.events;
    replays.delete(nodeId);
    pending = undefined;
    const node = runtime.runtimes.get(nodeId);
    if (!node) throw new Error(`no runtime for node ${nodeId}`);
    deps.metrics.eventsIn.inc(label(nodeId), events.length);
    deps.metrics.stats.add(plan.pipelineId, nodeId, "in", events.length);
    const ctx: CoreContext = { now };
    let result: CoreResult & { produce?: OutgoingMessage[] };
    try {
      if (node.kind === "transform") result = await node.process(events, ctx);
      else if (node.kind === "sink") {
        const written = await node.write(events, ctx);
        deps.metrics.stats.written(plan.pipelineId, nodeId, events);
        result = { outputs: {}, errors: written.errors, ...(written.produce ? { produce: written.produce } : {}) };
      } else if (node.kind === "stateful") {
        const core = node.restore(checkpoint?.state);
        const { own, others } = await partitionWatermarks(deps, plan.pipelineId, nodeId, batch.partition);
        // Pass 1 with what is known before the batch; the batch then reports this partition's new
        // watermark, and pass 2 (an empty batch, per the core protocol) fires what the new minimum allows.
        const before = others === undefined ? undefined : minOf(others, own);
        const processed = core.process(events, before === undefined ? ctx : { ...ctx, watermark: before });
        watermark = processed.watermark;
        if (others !== undefined) {
          const after = minOf(others, watermark ?? undefined);
          if (after !== undefined && (before === undefined || after > before)) {
            const fired = core.process([], { ...ctx, watermark: after });
            for (const [port, records] of Object.entries(fired.outputs)) (processed.outputs[port] ??= []).push(...records);
            processed.errors.push(...fired.errors);
          }
        }
        snapshot = core.snapshot();
        result = processed;
      } else throw new Error(`node ${nodeId} is a source and cannot run in a stage`);
    } catch (error) {
      // Transient until the last attempt; then the batch's events at this node are dead-lettered, so a
      // sink outage never blocks the partition forever.
      const message = error instanceof Error ? error.message : String(error);
      deps.metrics.stats.error(plan.pipelineId, nodeId, message);
      if (!finalAttempt) throw error;
      deps.log.warn({ err: error, node: nodeId, attempt }, "node failed on its last attempt: dead-lettering the batch");
      deadLetter(nodeId, events.map((event) => ({ event, error: { code: NODE_FAILED, message } })));
      continue;
    }
    deadLetter(nodeId, result.errors);
    if (result.produce) out.push(...result.produce);
    for (const [port, records] of Object.entries(result.outputs)) {
      if (records.length === 0 || port === "error") continue;
      tapOutputs(deps.redis, plan.pipelineId, nodeId, port, records);
      deps.metrics.eventsOut.inc(label(nodeId), records.length);
      deps.metrics.stats.add(plan.pipelineId, nodeId, "out", records.length);
      const route = stage.routes[nodeId]?.[port];
      if (route?.next) {
        // Keep keys and provenance across fused nodes that build new records (map, mask-pii are 1:1).
        records.forEach((record, i) => {
          if (origin.has(record)) return;
          const explicit = result.keys?.[port]?.[i];
          const from = records.length === events.length ? origin.get(events[i]!) : undefined;
          // Same provenance object when the key does not change: no allocation per record per fused hop.
          origin.set(record, from && explicit === undefined ? from : { offset: from?.offset ?? firstOffset, key: explicit ?? from?.key ?? defaultPartitionKey(record) });
        });
        pending = { nodeId: route.next, events: records };
      } else if (route?.topic) {
        const topicKey = runtime.topicKey.get(route.topic);
        records.forEach((record, i) => {
          const explicit = result.keys?.[port]?.[i];
          const fallback = records.length === events.length && !origin.has(record) ? origin.get(events[i]!)?.key ?? undefined : undefined;
          out.push({ topic: route.topic!, key: topicKey ? topicKey(record) : keyOf(record, explicit ?? fallback), value: JSON.stringify(record) });
        });
      }
    }
  }

  if (out.length > 0) await deps.producer.send(out);

  // A tick (no records) checkpoints only when it fired something; the marker then stays where it was.
  const last = batch.records.at(-1)?.o ?? (out.length > 0 ? checkpoint?.offset : undefined);
  if (stateful?.kind === "stateful" && last !== undefined) {
    if (BigInt(last) > skipThrough || batch.records.length === 0) {
      // State, marker and watermark in one atomic step, and only if no other run (a stalled job of a
      // crashed runner) checkpointed this partition since we read it; otherwise retry from the new one.
      const applied = await runRedisScript(
        deps.redis,
        CHECKPOINT_SCRIPT,
        [keys.marker, keys.state, watermarkKey(plan.pipelineId, head.id)],
        [
          checkpoint?.offset ?? "",
          last,
          JSON.stringify(snapshot ?? checkpoint?.state ?? null),
          String(batch.partition),
          watermark === undefined || watermark === null ? "" : `${watermark}:${now}`,
        ],
      );
      if (applied !== 1) throw new Error(`checkpoint of ${batch.topic}/${batch.partition} moved during the batch; retrying`);
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
function observeIngestLatency(metrics: EngineMetrics, labels: { pipeline: string; node: string }, events: readonly EventRecord[]) {
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
async function partitionWatermarks(deps: StepDeps, pipelineId: string, nodeId: string, partition: number): Promise<{ own?: number; others?: number }> {
  const all = await deps.redis.hgetall(watermarkKey(pipelineId, nodeId));
  const idleMs = deps.idlePartitionMs ?? 30_000;
  const now = Date.now();
  const result: { own?: number; others?: number } = {};
  for (const [field, value] of Object.entries(all)) {
    const [wm, at] = value.split(":").map(Number);
    if (wm === undefined || at === undefined || Number.isNaN(wm)) continue;
    if (field === String(partition)) result.own = wm;
    else if (now - at <= idleMs) result.others = result.others === undefined ? wm : Math.min(result.others, wm);
  }
  return result;
}

function minOf(a: number, b: number | undefined): number {
  return b === undefined ? a : Math.min(a, b);
}
