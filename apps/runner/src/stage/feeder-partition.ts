// The feeder's bookkeeping for one partition, without the consumer or the pool: records read into the
// pending batch, the batch cut from it, the batches in flight, and which offset may be committed once
// some of them completed (feeder.ts drives these).
import type { ConsumedMessage, KafkaConsumer } from "@sluice/kafka";
import type { StageBatchV1 } from "../queue/batch-payload";

export type BatchRecord = StageBatchV1["records"][number];

export type InFlight = {
  last: bigint;
  done: boolean;
  /** Broker timestamp (ms) of the batch's first record. */
  firstTs?: number;
  /** Settles when the job is finished with (done, or dropped with its partition). */
  settled?: Promise<void>;
};

export type PartitionState = {
  topic: string;
  partition: number;
  pending: BatchRecord[];
  /** Broker timestamp (ms) of the first pending record. */
  pendingTs?: number;
  bytes: number;
  timer?: NodeJS.Timeout;
  inflight: InFlight[];
  paused: boolean;
  commits: Promise<void>;
  /** Next offset to commit (last completed + 1) and the last one the broker accepted. */
  wanted?: bigint;
  committed?: bigint;
  /** Dropped on revocation: completions of an old ownership must not commit. */
  live: boolean;
  /** The offset expected next from the consumer (diagnostics). */
  next?: bigint;
  /** When the partition's current run of finally failed batches began (the outage budget's clock). */
  failingSince?: number;
  /** The consumer that owns it (pause, resume and commits go through that one only). */
  owner: KafkaConsumer;
};

export type BatchLimits = { maxBatchRecords: number; maxBatchBytes: number };

export function newPartitionState(owner: KafkaConsumer, topic: string, partition: number): PartitionState {
  return {
    topic,
    partition,
    pending: [],
    bytes: 0,
    inflight: [],
    paused: false,
    commits: Promise.resolve(),
    live: true,
    owner,
  };
}

/** The pending batch reached its record or byte bound. */
export const isFull = (p: Pick<PartitionState, "pending" | "bytes">, limits: BatchLimits) =>
  p.pending.length >= limits.maxBatchRecords || p.bytes >= limits.maxBatchBytes;

/** A consumed message as a batch record: the value as text (base64 for binary values), headers only when there are any. */
export function toBatchRecord(m: ConsumedMessage, binary: boolean): BatchRecord {
  const value = m.value?.toString(binary ? "base64" : "utf8") ?? "";
  const record: BatchRecord = { o: m.offset.toString(), k: m.key?.toString() ?? null, v: value };
  for (const _ in m.headers) {
    record.h = m.headers;
    break;
  }
  return record;
}

/** Adds a record to the pending batch (its broker timestamp counts when it is the first). */
export function appendPending(p: PartitionState, record: BatchRecord, timestampMs: number): void {
  if (p.pending.length === 0) p.pendingTs = timestampMs;
  p.pending.push(record);
  p.bytes += record.v.length;
}

/**
 * Cuts the pending records into a batch: the partition starts a new pending batch, and the cut one is
 * in flight (last in `inflight`) until it completes.
 */
export function cutBatch(p: PartitionState): { records: BatchRecord[]; entry: InFlight } {
  const records = p.pending;
  const firstTs = p.pendingTs;
  p.pending = [];
  p.pendingTs = undefined;
  p.bytes = 0;
  const entry: InFlight = {
    last: BigInt(records[records.length - 1]!.o),
    done: false,
    ...(firstTs === undefined ? {} : { firstTs }),
  };
  p.inflight.push(entry);
  return { records, entry };
}

/** An empty batch (a tick) in flight: it carries no records, so it commits nothing (last = -1). */
export function tickEntry(p: PartitionState): InFlight {
  const entry: InFlight = { last: -1n, done: false };
  p.inflight.push(entry);
  return entry;
}

/**
 * Takes the contiguous completed prefix off `inflight` (strictly in offset order: a completed batch
 * behind a running one waits) and returns the offset to commit after it, or undefined when there is
 * none (nothing completed at the front, or only ticks).
 */
export function takeCommittable(inflight: InFlight[]): bigint | undefined {
  let commitTo: bigint | undefined;
  while (inflight[0]?.done) {
    const last = inflight.shift()!.last;
    if (commitTo === undefined || last > commitTo) commitTo = last;
  }
  // Ticks carry no records (last = -1): nothing to commit for them.
  return commitTo !== undefined && commitTo >= 0n ? commitTo + 1n : undefined;
}

/**
 * Per live partition with work read but not committed: the broker timestamp of the oldest such record
 * (the first in-flight batch's first record, else the first pending one).
 */
export function oldestUnprocessed(
  partitions: Iterable<PartitionState>,
): { topic: string; partition: number; timestampMs: number }[] {
  const result: { topic: string; partition: number; timestampMs: number }[] = [];
  for (const p of partitions) {
    if (!p.live) continue;
    const ts = p.inflight.find((e) => e.firstTs !== undefined)?.firstTs ?? p.pendingTs;
    if (ts !== undefined) result.push({ topic: p.topic, partition: p.partition, timestampMs: ts });
  }
  return result;
}
