// Group-less reads: fetch a topic's records from given offsets up to its end, with keys, headers and
// timestamps, without joining a consumer group or committing anything. For inspection (the
// dead-letter inbox), never for processing.
import { Consumer } from "@platformatic/kafka";
import type { KafkaOptions } from "./client";
import type { ConsumedMessage } from "./types";

export type PartitionRange = { partition: number; earliest: bigint; end: bigint };

export type ReadRequest = {
  topic: string;
  /** First offset to read per partition; partitions not listed are not read. */
  from: { partition: number; offset: bigint }[];
  /** Stop a partition after this many records. Default 500. */
  maxPerPartition?: number;
};

export type KafkaReader = {
  /** Per partition: the first retained offset and the end (the next offset to be written). Missing topic: []. */
  ranges(topic: string): Promise<PartitionRange[]>;
  /** Records from each partition's start offset up to the end seen when reading, in offset order per partition. */
  read(request: ReadRequest): Promise<ConsumedMessage[]>;
  close(): Promise<void>;
};

const FETCH_MAX_BYTES = 4 * 2 ** 20;

export function createKafkaReader(options: KafkaOptions): KafkaReader {
  const consumer = new Consumer({
    clientId: `${options.clientId}-reader`,
    bootstrapBrokers: options.brokers,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retries: options.retries ?? 3,
    retryDelay: options.retryDelayMs ?? 250,
    // Required by the client's constructor; a reader never joins it (fetch and metadata only).
    groupId: `${options.clientId}-reader`,
    autocommit: false,
  });

  async function offsets(topic: string, timestamp: bigint): Promise<bigint[]> {
    const listed = await consumer.listOffsets({ topics: [topic], timestamp });
    return listed.get(topic) ?? [];
  }

  async function ranges(topic: string): Promise<PartitionRange[]> {
    const metadata = await consumer.metadata({ topics: [topic] }).catch((error: unknown) => {
      if (/unknown topic/i.test(String((error as Error).message ?? error))) return null;
      throw error;
    });
    if (!metadata?.topics.get(topic)) return [];
    // timestamp -2 = earliest retained offset, -1 = the next offset to be written.
    const [earliest, end] = await Promise.all([offsets(topic, -2n), offsets(topic, -1n)]);
    return end.map((e, partition) => ({ partition, earliest: earliest[partition] ?? 0n, end: e }));
  }

  async function read(request: ReadRequest): Promise<ConsumedMessage[]> {
    const { topic } = request;
    const limit = request.maxPerPartition ?? 500;
    const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const meta = metadata.topics.get(topic);
    if (!meta) return [];
    const out: ConsumedMessage[] = [];
    // Up to the end as of now: a fetch at the end would wait for new records.
    const ends = await offsets(topic, -1n);
    const state = new Map(
      request.from.map((p) => [
        p.partition,
        { next: p.offset, end: ends[p.partition] ?? 0n, count: 0, done: p.offset >= (ends[p.partition] ?? 0n) },
      ]),
    );
    while ([...state.values()].some((s) => !s.done)) {
      // One fetch per leader with every unfinished partition it leads.
      const byLeader = new Map<number, number[]>();
      for (const [partition, s] of state) {
        if (s.done) continue;
        const leader = meta.partitions[partition]?.leader;
        if (leader === undefined) {
          s.done = true;
          continue;
        }
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
      }
      await Promise.all(
        [...byLeader].map(async ([node, partitions]) => {
          const response = await consumer.fetch({
            node,
            maxWaitTime: 0,
            minBytes: 1,
            maxBytes: FETCH_MAX_BYTES,
            topics: [
              {
                topicId: meta.id,
                partitions: partitions.map((partition) => ({
                  partition,
                  fetchOffset: state.get(partition)!.next,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: FETCH_MAX_BYTES,
                })),
              },
            ],
          });
          for (const p of response.responses.flatMap((t) => t.partitions)) {
            const s = state.get(p.partitionIndex);
            if (!s) continue;
            if (p.errorCode !== 0)
              throw new Error(`fetch ${topic}/${p.partitionIndex} failed with Kafka error ${p.errorCode}`);
            const before = s.next;
            for (const batch of p.records ?? []) {
              for (const record of batch.records) {
                const offset = batch.firstOffset + BigInt(record.offsetDelta);
                if (offset < s.next || offset >= s.end || s.count >= limit) continue;
                const headers: Record<string, string> = {};
                for (const [k, v] of record.headers) if (k) headers[k.toString()] = v?.toString() ?? "";
                out.push({
                  topic,
                  partition: p.partitionIndex,
                  offset,
                  key: record.key,
                  value: record.value,
                  headers,
                  timestamp: batch.firstTimestamp + record.timestampDelta,
                });
                s.next = offset + 1n;
                s.count += 1;
              }
            }
            // Done at the end, at the limit, or when nothing advanced (only control records left).
            if (s.next >= s.end || s.count >= limit || s.next === before) s.done = true;
          }
        }),
      );
    }
    return out;
  }

  return { ranges, read, close: () => consumer.close() };
}
