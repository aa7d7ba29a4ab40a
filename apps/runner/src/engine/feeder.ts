// A stage's feeder: a Kafka consumer in the stage's group that cuts micro-batches per partition
// (bounded by count, bytes and linger), hands each to the pool as one job, and commits a partition's
// offset only when every batch up to it has completed, strictly in offset order. In-flight batches
// are bounded per partition (one by default, so a key's events keep their order) and per stage; at
// the bound the partition is paused, so memory stays bounded and a slow pool slows its consumer
// rather than the other way round.
import { randomUUID } from "node:crypto";
import type { Kafka, KafkaConsumer } from "@sluice/kafka";
import type { Logger } from "../log";
import type { StageQueue } from "./pool";
import type { StageBatchV1 } from "./stage-step";

export type FeederSettings = {
  /** Records per batch. Default 500. */
  maxBatchRecords: number;
  /** Bytes of values per batch. Default 1 MiB. */
  maxBatchBytes: number;
  /** How long a partial batch waits for more records. Default 20 ms. */
  lingerMs: number;
  /**
   * Batches in flight per partition. Default 1 for every stage: a partition's batches then run (send
   * their outputs, write their sinks) strictly one after another, so a key's events keep their order;
   * parallelism comes from partitions. More than 1 lets a later batch overtake an earlier one.
   */
  maxInFlightPerPartition: number;
  /** Batches in flight for the whole stage in this process. Default 32. */
  maxInFlightTotal: number;
};

export const DEFAULT_FEEDER_SETTINGS: FeederSettings = { maxBatchRecords: 500, maxBatchBytes: 2 ** 20, lingerMs: 20, maxInFlightPerPartition: 1, maxInFlightTotal: 32 };

type Record_ = StageBatchV1["records"][number];
type InFlight = { last: bigint; done: boolean; /** Broker timestamp (ms) of the batch's first record. */ firstTs?: number };
type PartitionState = {
  topic: string;
  partition: number;
  pending: Record_[];
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
};

export type Feeder = {
  start(): Promise<void>;
  /** Stops taking records, finishes and commits every batch already read, then leaves the group. */
  drain(): Promise<void>;
  /** Leaves the group at once without committing anything more (a crash, as far as offsets go). */
  abort(): Promise<void>;
  /**
   * Per partition this process owns with work read but not committed: the broker timestamp (ms) of
   * the oldest such record. Batches commit in offset order, so that is the record at the committed
   * offset: the age of the oldest unprocessed event.
   */
  oldestUnprocessed(): { topic: string; partition: number; timestampMs: number }[];
};

export function createFeeder(options: {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  startFrom: "earliest" | "latest";
  queue: StageQueue;
  settings: FeederSettings;
  /**
   * Stateful stages: how often an idle partition gets an empty batch, so its windows fire when the
   * other partitions move the combined watermark. Default none.
   */
  tickMs?: number;
  log: Logger;
}): Feeder {
  const { settings, queue } = options;
  const log = options.log.child({ groupId: options.groupId });
  const consumer: KafkaConsumer = options.kafka.consumer({
    groupId: options.groupId,
    topics: options.topics,
    startFrom: options.startFrom,
    // Under load a fetch waits for 128 KiB (a few hundred records) instead of returning per message,
    // which saves client and broker CPU; when quiet it returns within 25 ms.
    fetch: { maxWaitMs: 25, minBytes: 128 * 1024 },
    maxHeldPerPartition: settings.maxBatchRecords,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
  });
  const partitions = new Map<string, PartitionState>();
  let total = 0;
  let stopping = false;
  let aborted = false;
  let idle: (() => void) | undefined;
  const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

  const stateOf = (topic: string, partition: number) => {
    const key = keyOf(topic, partition);
    let state = partitions.get(key);
    if (!state) {
      state = { topic, partition, pending: [], bytes: 0, inflight: [], paused: false, commits: Promise.resolve(), live: true };
      partitions.set(key, state);
    }
    return state;
  };

  const full = (p: PartitionState) => p.pending.length >= settings.maxBatchRecords || p.bytes >= settings.maxBatchBytes;

  function setPaused(p: PartitionState, paused: boolean) {
    if (p.paused === paused || aborted) return;
    p.paused = paused;
    if (paused) consumer.pause([{ topic: p.topic, partition: p.partition }]);
    else consumer.resume([{ topic: p.topic, partition: p.partition }]);
  }

  function tryFlush(p: PartitionState, force: boolean) {
    if (p.pending.length === 0 || aborted) return;
    if (!force && !full(p)) return;
    if (p.inflight.length >= settings.maxInFlightPerPartition || total >= settings.maxInFlightTotal) {
      // At the bound: hold what we have and stop reading this partition once the batch is full.
      if (full(p) || stopping) setPaused(p, true);
      return;
    }
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    const records = p.pending;
    const firstTs = p.pendingTs;
    p.pending = [];
    p.pendingTs = undefined;
    p.bytes = 0;
    const entry: InFlight = { last: BigInt(records[records.length - 1]!.o), done: false, ...(firstTs === undefined ? {} : { firstTs }) };
    p.inflight.push(entry);
    total++;
    if (!stopping) setPaused(p, false);
    void submit(p, entry, { version: "v1", topic: p.topic, partition: p.partition, records });
  }

  async function submit(p: PartitionState, entry: InFlight, batch: StageBatchV1) {
    // A job that finally failed (even its dead-lettering did not reach Kafka) is run again: its
    // offsets can never be committed without it.
    for (let attempt = 0; !aborted && p.live; attempt++) {
      try {
        await queue.run(batch, `${batch.partition}-${batch.records[0]?.o ?? "tick"}-${randomUUID().slice(0, 8)}`);
        break;
      } catch (error) {
        if (aborted || !p.live) return;
        log.error({ err: error, topic: p.topic, partition: p.partition }, "batch failed after all attempts; running it again");
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 30_000)));
      }
    }
    entry.done = true;
    // A revoked partition's in-flight batches were already taken off the total at revocation.
    if (aborted || !p.live) return;
    total--;
    // Commit the contiguous completed prefix: strictly in offset order.
    let commitTo: bigint | undefined;
    while (p.inflight[0]?.done) {
      const last = p.inflight.shift()!.last;
      if (commitTo === undefined || last > commitTo) commitTo = last;
    }
    // Ticks carry no records (last = -1): nothing to commit for them.
    if (commitTo !== undefined && commitTo >= 0n) {
      const offset = commitTo + 1n;
      p.wanted = offset;
      p.commits = p.commits.then(() =>
        consumer.commit([{ topic: p.topic, partition: p.partition, offset }]).then(
          () => void (p.committed = offset),
          (err: unknown) => log.warn({ err, partition: p.partition }, "offset commit failed; a later commit covers it"),
        ),
      );
    }
    for (const other of partitions.values()) tryFlush(other, stopping || !other.timer);
    checkIdle();
  }

  function checkIdle() {
    if (!idle) return;
    for (const p of partitions.values()) if (p.live && (p.pending.length > 0 || p.inflight.length > 0)) return;
    idle();
  }

  let ticker: NodeJS.Timeout | undefined;
  function tick() {
    if (stopping || aborted) return;
    for (const tp of consumer.assignments()) {
      const p = stateOf(tp.topic, tp.partition);
      if (p.pending.length > 0 || p.inflight.length > 0 || total >= settings.maxInFlightTotal) continue;
      const entry: InFlight = { last: -1n, done: false };
      p.inflight.push(entry);
      total++;
      void submit(p, entry, { version: "v1", topic: p.topic, partition: p.partition, records: [] });
    }
  }

  return {
    oldestUnprocessed() {
      const result: { topic: string; partition: number; timestampMs: number }[] = [];
      for (const p of partitions.values()) {
        if (!p.live) continue;
        const ts = p.inflight.find((e) => e.firstTs !== undefined)?.firstTs ?? p.pendingTs;
        if (ts !== undefined) result.push({ topic: p.topic, partition: p.partition, timestampMs: ts });
      }
      return result;
    },
    async start() {
      if (options.tickMs) ticker = setInterval(tick, options.tickMs);
      await consumer.start({
        onMessage(m) {
          if (stopping) return;
          const p = stateOf(m.topic, m.partition);
          const value = m.value?.toString() ?? "";
          if (p.pending.length === 0) p.pendingTs = Number(m.timestamp);
          const record: Record_ = { o: m.offset.toString(), k: m.key?.toString() ?? null, v: value };
          for (const _ in m.headers) {
            record.h = m.headers;
            break;
          }
          p.pending.push(record);
          p.bytes += value.length;
          if (full(p)) tryFlush(p, true);
          else if (!p.timer) p.timer = setTimeout(() => {
            p.timer = undefined;
            tryFlush(p, true);
          }, settings.lingerMs);
        },
        onAssignment(assigned) {
          const keep = new Set(assigned.map((tp) => keyOf(tp.topic, tp.partition)));
          for (const [key, p] of partitions) {
            if (keep.has(key)) continue;
            // Revoked: its new owner reads from the last commit; our in-flight work is dropped.
            p.live = false;
            if (p.timer) clearTimeout(p.timer);
            total -= p.inflight.filter((e) => !e.done).length;
            partitions.delete(key);
          }
          checkIdle();
        },
        onError(error) {
          log.error({ err: error }, "stage consumer stopped");
        },
      });
    },
    async drain() {
      stopping = true;
      if (ticker) clearInterval(ticker);
      const done = new Promise<void>((resolve) => (idle = resolve));
      for (const p of partitions.values()) {
        setPaused(p, true);
        tryFlush(p, true);
      }
      checkIdle();
      await done;
      await Promise.all([...partitions.values()].map((p) => p.commits));
      // No later commit will cover a failed one (e.g. refused during a rebalance): retry before leaving,
      // or the next owner would run those batches again.
      for (const p of partitions.values()) {
        for (let attempt = 0; p.live && p.wanted !== undefined && p.wanted !== p.committed && attempt < 5; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          const offset = p.wanted;
          await consumer.commit([{ topic: p.topic, partition: p.partition, offset }]).then(
            () => void (p.committed = offset),
            (err: unknown) => log.warn({ err, partition: p.partition, attempt }, "final offset commit failed"),
          );
        }
      }
      await consumer.close();
    },
    async abort() {
      aborted = true;
      stopping = true;
      if (ticker) clearInterval(ticker);
      for (const p of partitions.values()) if (p.timer) clearTimeout(p.timer);
      await consumer.close();
    },
  };
}
