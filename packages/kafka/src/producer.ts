import { ProduceAcks, Producer } from "@platformatic/kafka";
import type { Logger } from "./logger";
import type { ClientBase } from "./client-base";
import { javaCompatiblePartitioner } from "./partitioner";
import type { KafkaProducer, MessageHeaders, OutgoingMessage, PartitionOffset } from "./types";

export type ProducerOptions = {
  /** Suffix for the client id, so broker logs tell producers apart. Default "producer". */
  name?: string;
  /** "none" | "gzip" | "snappy" | "lz4" | "zstd". Default "none": events are small and CPU is scarce. */
  compression?: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  /**
   * Upper bound of value bytes in one produce request made of coalesced sends. Default 768 KiB: under
   * the broker's default 1 MiB per record batch even if every message goes to one partition.
   */
  maxRequestBytes?: number;
};

const toBuffer = (v: string | Buffer | null | undefined) =>
  v == null ? undefined : typeof v === "string" ? Buffer.from(v) : v;

/** Header names are a handful of constants: their bytes are made once (the library only reads them). */
const headerNames = new Map<string, Buffer>();
function headerName(name: string): Buffer {
  let bytes = headerNames.get(name);
  if (!bytes) {
    bytes = Buffer.from(name);
    if (headerNames.size < 1024) headerNames.set(name, bytes);
  }
  return bytes;
}

function toHeaderMap(headers: MessageHeaders | undefined): Map<Buffer, Buffer> | undefined {
  if (!headers) return undefined;
  const map = new Map<Buffer, Buffer>();
  for (const name of Object.keys(headers)) map.set(headerName(name), Buffer.from(headers[name]!));
  return map;
}

/** One message as the library takes it (runs for every message: no spreads). */
function toLibraryMessage(m: OutgoingMessage) {
  const message: {
    topic: string;
    key: Buffer | undefined;
    value: Buffer | undefined;
    headers: Map<Buffer, Buffer> | undefined;
    partition?: number;
    timestamp?: bigint;
  } = { topic: m.topic, key: toBuffer(m.key), value: toBuffer(m.value), headers: toHeaderMap(m.headers) };
  if (m.partition !== undefined) message.partition = m.partition;
  if (m.timestamp !== undefined) message.timestamp = m.timestamp;
  return message;
}

type Queued = {
  messages: OutgoingMessage[];
  bytes: number;
  /** Set after a coalesced request failed: sent on its own, so one bad send fails only its caller. */
  alone?: boolean;
  resolve(offsets: PartitionOffset[]): void;
  reject(error: unknown): void;
};

export function createProducer(base: ClientBase, options: ProducerOptions, log: Logger): KafkaProducer {
  const producer = new Producer({
    ...base.clientOptions,
    clientId: `${base.clientOptions.clientId}-${options.name ?? "producer"}`,
    // Idempotence makes the client's retries safe (no duplicates, no reordering within a partition);
    // it implies acks=all and one in-flight request per broker.
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Same placement as the Java client, KafkaJS and Redpanda Connect: a key lands on the same
    // partition whoever produces it. The library's default partitioner differs for negative hashes.
    partitioner: javaCompatiblePartitioner,
    ...(options.compression && options.compression !== "none" ? { compression: options.compression } : {}),
  });
  producer.on("client:broker:disconnect", (e) => log.debug({ broker: e.broker }, "producer lost a broker connection"));
  const maxRequestBytes = options.maxRequestBytes ?? 768 * 1024;

  // The idempotent client allows one request in flight per broker, so concurrent sends would wait
  // for each other's acks one by one. Instead, sends made while a request is in flight are queued
  // and go out together as the next request (what the Java client's accumulator does, without a
  // linger: an idle producer sends at once). Order per partition is call order.
  const queue: Queued[] = [];
  let inFlight = false;

  function pump() {
    if (inFlight || queue.length === 0) return;
    const taken: Queued[] = [];
    let bytes = 0;
    while (
      queue.length > 0 &&
      (taken.length === 0 || (!taken[0]!.alone && !queue[0]!.alone && bytes + queue[0]!.bytes <= maxRequestBytes))
    ) {
      const next = queue.shift()!;
      bytes += next.bytes;
      taken.push(next);
    }
    inFlight = true;
    const messages = taken.length === 1 ? taken[0]!.messages : taken.flatMap((q) => q.messages);
    producer
      .send({
        messages: messages.map(toLibraryMessage),
      })
      .then(
        (result) => {
          const offsets = (result.offsets ?? []).map((o) => ({
            topic: o.topic,
            partition: o.partition,
            offset: BigInt(o.offset),
          }));
          for (const q of taken) {
            const topics = new Set(q.messages.map((m) => m.topic));
            q.resolve(taken.length === 1 ? offsets : offsets.filter((o) => topics.has(o.topic)));
          }
        },
        (error: unknown) => {
          if (taken.length === 1) return taken[0]!.reject(error);
          log.debug(
            { err: error, sends: taken.length },
            "coalesced produce request failed; sending its parts one by one",
          );
          queue.unshift(...taken.map((q) => ({ ...q, alone: true })));
        },
      )
      .finally(() => {
        inFlight = false;
        pump();
      });
  }

  return {
    send(messages: OutgoingMessage[]): Promise<PartitionOffset[]> {
      if (messages.length === 0) return Promise.resolve([]);
      let bytes = 0;
      for (const m of messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
      return new Promise((resolve, reject) => {
        queue.push({ messages, bytes, resolve, reject });
        pump();
      });
    },
    async close() {
      await producer.close();
    },
  };
}
