import { moduleLogger, type Logger } from "./logger";
import { createAdmin } from "./admin";
import type { ClientBase, KafkaSasl, KafkaTls } from "./client-base";
import { createConsumer, type ConsumerOptions } from "./consumer";
import { createProducer, type ProducerOptions } from "./producer";
import type { KafkaAdmin, KafkaConsumer, KafkaProducer } from "./types";

export type KafkaOptions = {
  brokers: string[];
  /** Prefix of every client id, e.g. the runner id; brokers log and quota by it. */
  clientId: string;
  log: Logger;
  /** TCP connect timeout per broker. Default 5 s. */
  connectTimeoutMs?: number;
  /** Per-request timeout; must exceed the consumers' fetch maxWaitMs. Default 30 s. */
  requestTimeoutMs?: number;
  /** Retries of a failed request before it fails. Default 3. */
  retries?: number;
  /** Default 250 ms. */
  retryDelayMs?: number;
  /** Default: plaintext. */
  tls?: KafkaTls;
  /** Default: no authentication. */
  sasl?: KafkaSasl;
};

export type Kafka = {
  producer(options?: ProducerOptions): KafkaProducer;
  consumer(options: ConsumerOptions): KafkaConsumer;
  admin: KafkaAdmin;
  /** Closes what this instance created and has not closed yet: consumers, then producers, then admin. */
  close(): Promise<void>;
};

export function createKafka(options: KafkaOptions): Kafka {
  const log = moduleLogger(options.log, "kafka");
  const base: ClientBase = {
    clientOptions: {
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      retryDelay: options.retryDelayMs ?? 250,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.sasl ? { sasl: options.sasl } : {}),
    },
  };
  const admin = createAdmin(base);
  const consumers = new Set<KafkaConsumer>();
  const producers = new Set<KafkaProducer>();

  // Wraps close() so a client closed by its owner is not closed again by Kafka.close().
  function tracked<T extends { close(): Promise<void> }>(set: Set<T>, client: T): T {
    set.add(client);
    const close = client.close.bind(client);
    client.close = async () => {
      set.delete(client);
      await close();
    };
    return client;
  }

  return {
    producer: (producerOptions = {}) => tracked(producers, createProducer(base, producerOptions, log)),
    consumer: (consumerOptions) => tracked(consumers, createConsumer(base, consumerOptions, log)),
    admin,
    async close() {
      await Promise.allSettled([...consumers].map((c) => c.close()));
      await Promise.allSettled([...producers].map((p) => p.close()));
      await admin.close();
    },
  };
}
