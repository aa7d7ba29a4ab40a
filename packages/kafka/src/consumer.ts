import { Consumer, type MessagesStream } from "@platformatic/kafka";
import type { Logger } from "./logger";
import type { ClientBase } from "./client-base";
import { partitionKey } from "./partition-key";
import type { ConsumedMessage, ConsumerHandlers, KafkaConsumer, PartitionOffset, TopicPartition } from "./types";

export type ConsumerOptions = {
  groupId: string;
  topics: string[];
  /** Where a partition without a committed offset starts. Default "earliest": a new node sees all data. */
  startFrom?: "earliest" | "latest";
  fetch?: {
    /** Default 1 byte: answer as soon as anything is there. */
    minBytes?: number;
    /** Per fetch response. Default 10 MiB. */
    maxBytes?: number;
    /** Default 1 MiB. */
    maxBytesPerPartition?: number;
    /** How long the broker may hold a fetch waiting for minBytes. Default 500 ms. */
    maxWaitMs?: number;
  };
  /**
   * Messages kept for a paused partition before fetching stops for the whole consumer. The client
   * fetches all assigned partitions together, so per-partition pause is done here: a paused
   * partition's messages wait in a bounded buffer. Default 1000.
   */
  maxHeldPerPartition?: number;
  /** Messages buffered between the fetch loop and delivery. Default 1024. */
  highWaterMark?: number;
  /** Default 30 s. */
  sessionTimeoutMs?: number;
  /** Default 3 s. */
  heartbeatIntervalMs?: number;
  /** Default 60 s. */
  rebalanceTimeoutMs?: number;
};

type PlatformaticMessage = {
  topic: string;
  partition: number;
  offset: bigint;
  key?: Buffer;
  value?: Buffer;
  headers: Map<Buffer, Buffer>;
  timestamp: bigint;
};

/** Shared by every message without headers (the common case): one object less per message. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function toConsumed(m: PlatformaticMessage): ConsumedMessage {
  let headers = NO_HEADERS as Record<string, string>;
  if (m.headers.size > 0) {
    headers = {};
    for (const [k, v] of m.headers) headers[k.toString()] = v?.toString() ?? "";
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
    timestamp: m.timestamp,
  };
}

const CONSUMER_RETRIES = 40;
const COMMIT_TIMEOUT_MS = 15_000;

export function createConsumer(base: ClientBase, options: ConsumerOptions, log: Logger): KafkaConsumer {
  const fetch = options.fetch ?? {};
  const maxHeld = options.maxHeldPerPartition ?? 1000;
  const consumer = new Consumer({
    ...base.clientOptions,
    // A consumer whose fetch, heartbeat or join runs out of retries stops for good (its stage with it),
    // so it rides out a broker restart or a rebalance storm: about a minute of retries with backoff.
    retries: Math.max(base.clientOptions.retries, CONSUMER_RETRIES),
    retryDelay: (_client: unknown, _operation: string, attempt: number) =>
      Math.min(base.clientOptions.retryDelay * 2 ** attempt, 2000),
    clientId: `${base.clientOptions.clientId}-consumer`,
    groupId: options.groupId,
    autocommit: false,
    minBytes: fetch.minBytes ?? 1,
    maxBytes: fetch.maxBytes ?? 10 * 2 ** 20,
    maxWaitTime: fetch.maxWaitMs ?? 500,
    highWaterMark: options.highWaterMark ?? 1024,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
  });

  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let handlers: ConsumerHandlers | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  // The client also emits `error` on the Consumer itself, e.g. when a rejoin after a failed heartbeat
  // runs out of retries ("joinGroup failed N times") or is refused. Unheard, Node throws it as an
  // uncaught exception and the process dies; heard, the caller restarts its consumer. The listener
  // stays after close: a late error of a closed consumer is only logged.
  consumer.on("error", (error: Error) => {
    if (handlers && !closed) handlers.onError(error);
    else log.warn({ err: error, groupId: options.groupId }, "kafka consumer error (consumer not running)");
  });
  let assigned: TopicPartition[] = [];
  /** Keys of `assigned`; `joined` once the first assignment arrived. */
  let owned = new Set<string>();
  let joined = false;
  const paused = new Set<string>();
  const held = new Map<string, ConsumedMessage[]>();
  // Highest offset seen per partition during this ownership. The client rewinds to the committed
  // offset after a rebalance; offsets at or below this were already delivered (or are held).
  const lastSeen = new Map<string, bigint>();
  // Partitions whose full buffer stopped the fetch loop.
  const blocking = new Set<string>();

  function deliver(raw: PlatformaticMessage) {
    const key = partitionKey(raw.topic, raw.partition);
    // A fetch answered after a rebalance took the partition away: its new owner reads it from the
    // committed offset. Delivering it would let the caller process (and commit!) a partition it no
    // longer owns, racing the owner (found by the chaos suite: a stale commit moved a group's offset).
    if (joined && !owned.has(key)) return;
    const seen = lastSeen.get(key);
    if (seen !== undefined && raw.offset <= seen) return;
    lastSeen.set(key, raw.offset);
    const message = toConsumed(raw);
    const queue = held.get(key);
    if (paused.has(key) || queue) {
      if (queue) queue.push(message);
      else held.set(key, [message]);
      if ((queue?.length ?? 1) >= maxHeld && !blocking.has(key)) {
        blocking.add(key);
        stream?.pause();
      }
      return;
    }
    handlers?.onMessage(message);
  }

  function releaseHeld(key: string) {
    const queue = held.get(key);
    while (queue && queue.length > 0 && !paused.has(key)) handlers?.onMessage(queue.shift()!);
    if (queue && queue.length === 0) held.delete(key);
    if ((queue?.length ?? 0) < maxHeld) blocking.delete(key);
  }

  // Commits run one at a time (a retried old offset never lands after a newer one) and time out: a
  // commit caught in a rebalance can otherwise hang, and with it every later commit of the caller.
  let commits: Promise<unknown> = Promise.resolve();
  const commitNow = (offsets: PartitionOffset[]) => {
    const run = commits.then(
      () =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("offset commit timed out")), COMMIT_TIMEOUT_MS);
          // leaderEpoch -1: "unknown"; the broker then skips its fencing check for this commit.
          consumer
            .commit({ offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1 })) })
            .then(() => resolve(), reject)
            .finally(() => clearTimeout(timer));
        }),
    );
    commits = run.catch(() => undefined);
    return run;
  };
  // Offsets whose commit failed, per partition this member still owns. Callers commit when work
  // completes, so at the end of a stream (or while ingest refuses events because of this very lag)
  // no later commit would cover them: they are retried until they land or the partition moves.
  const failedCommits = new Map<string, PartitionOffset>();
  let retryTimer: NodeJS.Timeout | undefined;
  function retryFailedCommits() {
    if (retryTimer || failedCommits.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      const offsets = [...failedCommits.values()];
      commitNow(offsets)
        .then(() =>
          offsets.forEach(
            (o) =>
              failedCommits.get(partitionKey(o.topic, o.partition)) === o &&
              failedCommits.delete(partitionKey(o.topic, o.partition)),
          ),
        )
        .catch((err: unknown) => log.warn({ err, groupId: options.groupId }, "offset commit retry failed"))
        .finally(retryFailedCommits);
    }, 2000);
  }

  function onJoin(payload: { assignments?: { topic: string; partitions: number[] }[] }) {
    const next = (payload.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    );
    const keep = new Set(next.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const key of [...lastSeen.keys(), ...held.keys(), ...paused, ...failedCommits.keys()]) {
      if (keep.has(key)) continue;
      lastSeen.delete(key);
      held.delete(key);
      blocking.delete(key);
      paused.delete(key);
      failedCommits.delete(key);
    }
    assigned = next;
    owned = keep;
    joined = true;
    if (blocking.size === 0) stream?.resume();
    log.info({ groupId: options.groupId, partitions: next.length }, "consumer group assignment");
    handlers?.onAssignment?.(next);
  }

  return {
    async start(h: ConsumerHandlers) {
      if (stream) throw new Error("consumer already started");
      handlers = h;
      consumer.on("consumer:group:join", onJoin);
      consumer.on("consumer:heartbeat:error", (e) =>
        log.warn({ err: e.error, groupId: options.groupId }, "consumer heartbeat failed"),
      );
      stream = await consumer.consume({
        topics: options.topics,
        // Resume from the group's committed offsets; new partitions start at `startFrom`.
        mode: "committed",
        fallbackMode: options.startFrom ?? "earliest",
        autocommit: false,
        maxBytesPerPartition: fetch.maxBytesPerPartition ?? 2 ** 20,
      });
      stream.on("data", deliver);
      stream.on("error", (error: Error) => {
        if (!closed) h.onError(error);
        else log.warn({ err: error, groupId: options.groupId }, "kafka consumer stream error after close");
      });
    },

    pause(partitions: TopicPartition[]) {
      for (const tp of partitions) paused.add(partitionKey(tp.topic, tp.partition));
    },

    resume(partitions: TopicPartition[]) {
      for (const tp of partitions) {
        const key = partitionKey(tp.topic, tp.partition);
        paused.delete(key);
        releaseHeld(key);
      }
      if (blocking.size === 0) stream?.resume();
    },

    async commit(offsets: PartitionOffset[]) {
      // A commit queued before a rebalance took the partition away would move its new owner's offset.
      if (joined) offsets = offsets.filter((o) => owned.has(partitionKey(o.topic, o.partition)));
      if (offsets.length === 0) return;
      try {
        await commitNow(offsets);
        for (const o of offsets)
          if ((failedCommits.get(partitionKey(o.topic, o.partition))?.offset ?? -1n) <= o.offset)
            failedCommits.delete(partitionKey(o.topic, o.partition));
      } catch (error) {
        for (const o of offsets)
          if ((failedCommits.get(partitionKey(o.topic, o.partition))?.offset ?? -1n) < o.offset)
            failedCommits.set(partitionKey(o.topic, o.partition), o);
        retryFailedCommits();
        throw error;
      }
    },

    assignments: () => assigned.map((tp) => ({ ...tp })),

    close() {
      // Idempotent: a caller replacing a failed consumer may close it while it is still closing.
      closing ??= (async () => {
        closed = true;
        clearTimeout(retryTimer);
        failedCommits.clear();
        consumer.off("consumer:group:join", onJoin);
        if (stream) await stream.close();
        // Leave first: it marks the membership inactive, which the client's heartbeat loop checks. A
        // join or rebalance still in flight when close() runs arms a heartbeat timer after the
        // connections are gone; without this, that loop retried "Connection pool is closed" every
        // heartbeat interval for as long as the process lived (seen with two engine processes, whose
        // groups rebalance whenever a deployment starts or stops). close() then leaves nothing to do.
        await new Promise<void>((resolve) =>
          consumer.leaveGroup(true, (err) => {
            if (err) log.debug({ err, groupId: options.groupId }, "leave group before close failed");
            resolve();
          }),
        );
        await consumer.close();
      })();
      return closing;
    },
  };
}
