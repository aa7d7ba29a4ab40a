// A stage's feeder: a Kafka consumer in the stage's group that cuts micro-batches per partition
// (bounded by count, bytes and linger), hands each to the pool as one job, and commits a partition's
// offset only when every batch up to it has completed, strictly in offset order. In-flight batches
// are bounded per partition (one by default, so a key's events keep their order) and per stage; at
// the bound the partition is paused, so memory stays bounded and a slow pool slows its consumer
// rather than the other way round. A consumer that fails (an error it could not recover from, e.g.
// a refused group join) is replaced by a new one in the same group after a backoff; the new one
// reads again from the committed offsets.
import { randomUUID } from "node:crypto";
import { type ConsumerHandlers, type Kafka, type KafkaConsumer, partitionKey } from "@sluice/kafka";
import type { Logger } from "../log";
import type { StageQueue } from "../queue/stage-queue";
import type { StageBatchV1 } from "../queue/batch-payload";
import {
  appendPending,
  cutBatch,
  type InFlight,
  isFull,
  newPartitionState,
  oldestUnprocessed,
  type PartitionState,
  takeCommittable,
  tickEntry,
  toBatchRecord,
} from "./feeder-partition";

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
  /**
   * How long a batch keeps being run again while a sink or lookup cannot be reached (the partition
   * waits) before its events are dead-lettered after all. Default 10 minutes.
   */
  maxOutageMs: number;
};

/** Backoff before a failed consumer is replaced: doubled per failed start, reset once the group assigned one. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A failed consumer's close (leaving the group) is not waited for longer than this before its replacement starts. */
const CLOSE_WAIT_MS = 10_000;

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
  /** Values are binary (a schema registry's wire format): they travel base64-encoded. */
  binaryValues?: boolean;
  settings: FeederSettings;
  /**
   * Stateful stages: how often an idle partition gets an empty batch, so its windows fire when the
   * other partitions move the combined watermark. Default none.
   */
  tickMs?: number;
  log: Logger;
}): Feeder {
  const { settings, queue } = options;
  const binary = options.binaryValues === true;
  const log = options.log.child({ groupId: options.groupId });
  const newConsumer = (): KafkaConsumer =>
    options.kafka.consumer({
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
  /** The running consumer; undefined while a failed one is being replaced. */
  let consumer: KafkaConsumer | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  /** A replacement being started (awaited by drain/abort). */
  let restarting: Promise<void> | undefined;
  let restartDelayMs = RESTART_MIN_MS;
  /** Failed consumers still closing (leaving the group). */
  const closing = new Set<Promise<void>>();
  const partitions = new Map<string, PartitionState>();
  /** Partitions dropped with batches still running: a new state for them waits for those (see drop). */
  const orphans = new Map<string, Promise<unknown>>();
  let total = 0;
  let stopping = false;
  let aborted = false;
  let idle: (() => void) | undefined;

  const stateOf = (owner: KafkaConsumer, topic: string, partition: number) => {
    const key = partitionKey(topic, partition);
    let state = partitions.get(key);
    if (!state) {
      state = newPartitionState(owner, topic, partition);
      partitions.set(key, state);
    }
    return state;
  };

  /** Revoked (or its consumer failed): its next owner reads from the last commit; our in-flight work is dropped. */
  function drop(key: string, p: PartitionState) {
    const running = p.inflight.filter((e) => !e.done);
    log.debug({ topic: p.topic, partition: p.partition, inflight: running.length }, "partition dropped");
    // If the partition comes back to this process, its batches still running from before must finish
    // first, or two batches of one partition would run at once (and a key's events overtake).
    if (running.length > 0) {
      const finished = Promise.all(running.map((e) => e.settled)).then(() => {
        if (orphans.get(key) !== finished) return;
        orphans.delete(key);
        const back = partitions.get(key);
        if (back) tryFlush(back, true);
      });
      orphans.set(key, finished);
    }
    p.live = false;
    if (p.timer) clearTimeout(p.timer);
    total -= p.inflight.filter((e) => !e.done).length;
    partitions.delete(key);
  }

  const full = (p: PartitionState) => isFull(p, settings);

  function setPaused(p: PartitionState, paused: boolean) {
    if (p.paused === paused || aborted) return;
    p.paused = paused;
    if (paused) p.owner.pause([{ topic: p.topic, partition: p.partition }]);
    else p.owner.resume([{ topic: p.topic, partition: p.partition }]);
  }

  function tryFlush(p: PartitionState, force: boolean) {
    if (p.pending.length === 0 || aborted) return;
    if (!force && !full(p)) return;
    const held = orphans.has(partitionKey(p.topic, p.partition));
    if (held || p.inflight.length >= settings.maxInFlightPerPartition || total >= settings.maxInFlightTotal) {
      // At the bound: hold what we have and stop reading this partition once the batch is full.
      if (full(p) || stopping) setPaused(p, true);
      return;
    }
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    const { records, entry } = cutBatch(p);
    total++;
    if (!stopping) setPaused(p, false);
    entry.settled = submit(p, entry, { version: "v1", topic: p.topic, partition: p.partition, records });
  }

  async function submit(p: PartitionState, entry: InFlight, batch: StageBatchV1) {
    // A job that finally failed (even its dead-lettering did not reach Kafka) is run again: its
    // offsets can never be committed without it.
    for (let attempt = 0; !aborted && p.live; attempt++) {
      try {
        const jobId = `${batch.partition}-${batch.records[0]?.o ?? "tick"}-${randomUUID().slice(0, 8)}`;
        if (batch.records.length > 0)
          log.debug(
            {
              topic: p.topic,
              partition: p.partition,
              first: batch.records[0]!.o,
              last: batch.records.at(-1)!.o,
              jobId,
            },
            "batch submitted",
          );
        // Past the outage budget (counted per partition, from its first failing batch until a batch
        // succeeds), a sink or lookup that still cannot be reached no longer holds the partition: this
        // and every following run dead-letter their events at that node (visible, replayable).
        const outageOver = p.failingSince !== undefined && Date.now() - p.failingSince >= settings.maxOutageMs;
        await queue.run(batch, jobId, outageOver ? { deadLetterUnreachable: true } : undefined);
        p.failingSince = undefined;
        if (batch.records.length > 0) log.debug({ partition: p.partition, jobId, live: p.live }, "batch completed");
        break;
      } catch (error) {
        if (aborted || !p.live) return;
        p.failingSince ??= Date.now();
        log.error(
          { err: error, topic: p.topic, partition: p.partition },
          "batch failed after all attempts; running it again",
        );
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 30_000)));
      }
    }
    entry.done = true;
    // A revoked partition's in-flight batches were already taken off the total at revocation.
    if (aborted || !p.live) return;
    total--;
    // Commit the contiguous completed prefix: strictly in offset order.
    const offset = takeCommittable(p.inflight);
    if (offset !== undefined) {
      p.wanted = offset;
      log.debug({ topic: p.topic, partition: p.partition, offset: offset.toString() }, "commit");
      p.commits = p.commits.then(() =>
        p.owner.commit([{ topic: p.topic, partition: p.partition, offset }]).then(
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
    const current = consumer;
    for (const tp of current?.assignments() ?? []) {
      const p = stateOf(current!, tp.topic, tp.partition);
      if (
        p.pending.length > 0 ||
        p.inflight.length > 0 ||
        total >= settings.maxInFlightTotal ||
        orphans.has(partitionKey(tp.topic, tp.partition))
      )
        continue;
      const entry = tickEntry(p);
      total++;
      entry.settled = submit(p, entry, { version: "v1", topic: p.topic, partition: p.partition, records: [] });
    }
  }

  function handlersFor(c: KafkaConsumer): ConsumerHandlers {
    return {
      onMessage(m) {
        // A replaced consumer's late deliveries belong to dropped state.
        if (stopping || c !== consumer) return;
        const p = stateOf(c, m.topic, m.partition);
        // Diagnostics: within one ownership a partition's offsets arrive without gaps (no transactions here).
        if (p.next !== undefined && m.offset !== p.next)
          log.debug(
            { topic: m.topic, partition: m.partition, expected: p.next.toString(), got: m.offset.toString() },
            "offset jump in delivery",
          );
        p.next = m.offset + 1n;
        appendPending(p, toBatchRecord(m, binary), Number(m.timestamp));
        if (full(p)) tryFlush(p, true);
        else if (!p.timer)
          p.timer = setTimeout(() => {
            p.timer = undefined;
            tryFlush(p, true);
          }, settings.lingerMs);
      },
      onAssignment(assigned) {
        if (c !== consumer) return;
        // The group took this consumer in: only now is a replacement known to work (a start can
        // resolve and the join still be refused), so only now does the restart backoff start over.
        restartDelayMs = RESTART_MIN_MS;
        const keep = new Set(assigned.map((tp) => partitionKey(tp.topic, tp.partition)));
        for (const [key, p] of partitions) if (!keep.has(key)) drop(key, p);
        checkIdle();
      },
      onError: (error) => failed(c, error),
    };
  }

  function closeQuietly(c: KafkaConsumer): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const closed = c.close().catch((err: unknown) => log.warn({ err }, "closing the failed stage consumer failed"));
    const bounded = Promise.race([
      closed,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]).finally(() => {
      clearTimeout(timer);
      closing.delete(bounded);
    });
    closing.add(bounded);
    return bounded;
  }

  /**
   * The consumer hit an error it could not recover from (a fetch, heartbeat or join that ran out of
   * retries, a refused rejoin): it may not deliver or commit any more, and leaving it would stop the
   * stage for good. Drop its partitions like a revocation (batches in flight finish but commit
   * nothing; the new consumer reads again from the committed offsets: at-least-once), close it and
   * start a new one in the same group after a backoff. While stopping, the drain/abort in progress
   * closes it instead.
   */
  function failed(c: KafkaConsumer, error: Error) {
    if (c !== consumer || stopping || aborted) {
      log.warn({ err: error }, "stage consumer error (consumer already replaced or stopping)");
      return;
    }
    consumer = undefined;
    for (const [key, p] of partitions) drop(key, p);
    checkIdle();
    scheduleRestart(closeQuietly(c), error);
  }

  function scheduleRestart(after: Promise<void>, error: unknown) {
    const delayMs = restartDelayMs;
    restartDelayMs = Math.min(restartDelayMs * 2, RESTART_MAX_MS);
    log.error(
      { err: error, retryInMs: delayMs },
      "stage consumer failed; starting a new one in the same group (uncommitted records are read again)",
    );
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      restarting = after.then(replace).finally(() => (restarting = undefined));
    }, delayMs);
  }

  /** A new consumer becomes the current one. (It delivers only partitions it owns: see consumer.ts.) */
  function takeNewConsumer(): KafkaConsumer {
    const c = newConsumer();
    consumer = c;
    return c;
  }

  async function replace() {
    if (stopping || aborted) return;
    const c = takeNewConsumer();
    try {
      await c.start(handlersFor(c));
    } catch (error) {
      // Already handled if its onError fired during the start.
      if (consumer !== c) return;
      consumer = undefined;
      await closeQuietly(c);
      if (!stopping && !aborted) scheduleRestart(Promise.resolve(), error);
      return;
    }
    if (consumer !== c) return;
    log.info("stage consumer restarted");
  }

  return {
    oldestUnprocessed() {
      return oldestUnprocessed(partitions.values());
    },
    async start() {
      if (options.tickMs) ticker = setInterval(tick, options.tickMs);
      const c = takeNewConsumer();
      try {
        await c.start(handlersFor(c));
      } catch (error) {
        // Not started: the caller gives up on this feeder (and retries the deployment), so nothing here
        // may keep running or restart.
        aborted = true;
        stopping = true;
        if (ticker) clearInterval(ticker);
        clearTimeout(restartTimer);
        await restarting;
        const replacement = consumer;
        consumer = undefined;
        await Promise.all([
          closeQuietly(c),
          ...(replacement && replacement !== c ? [closeQuietly(replacement)] : []),
          ...closing,
        ]);
        throw error;
      }
    },
    async drain() {
      stopping = true;
      if (ticker) clearInterval(ticker);
      clearTimeout(restartTimer);
      await restarting;
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
      for (const p of partitions.values()) await commitWanted(p, log);
      await consumer?.close();
      await Promise.all(closing);
    },
    async abort() {
      aborted = true;
      stopping = true;
      if (ticker) clearInterval(ticker);
      clearTimeout(restartTimer);
      for (const p of partitions.values()) if (p.timer) clearTimeout(p.timer);
      await restarting;
      await consumer?.close();
      await Promise.all(closing);
    },
  };
}

/** Commits the partition's wanted offset until the broker accepts it (up to 5 attempts, backing off). */
async function commitWanted(p: PartitionState, log: Logger): Promise<void> {
  for (let attempt = 0; p.live && p.wanted !== undefined && p.wanted !== p.committed && attempt < 5; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    const offset = p.wanted;
    await p.owner.commit([{ topic: p.topic, partition: p.partition, offset }]).then(
      () => void (p.committed = offset),
      (err: unknown) => log.warn({ err, partition: p.partition, attempt }, "final offset commit failed"),
    );
  }
}
