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
};

const toBuffer = (v: string | Buffer | null | undefined) => (v == null ? undefined : typeof v === "string" ? Buffer.from(v) : v);

function toHeaderMap(headers: MessageHeaders | undefined): Map<Buffer, Buffer> | undefined {
  if (!headers) return undefined;
  return new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
}

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

  return {
    async send(messages: OutgoingMessage[]): Promise<PartitionOffset[]> {
      if (messages.length === 0) return [];
      const result = await producer.send({
        messages: messages.map((m) => ({
          topic: m.topic,
          key: toBuffer(m.key),
          value: toBuffer(m.value),
          headers: toHeaderMap(m.headers),
          ...(m.partition === undefined ? {} : { partition: m.partition }),
          ...(m.timestamp === undefined ? {} : { timestamp: m.timestamp }),
        })),
      });
      return (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) }));
    },
    async close() {
      await producer.close();
    },
  };
}
