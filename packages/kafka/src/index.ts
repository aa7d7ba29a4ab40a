// The runner's only door to Kafka. Import from here, never from a client library.
export { createKafka, type Kafka, type KafkaOptions } from "./client";
export type { KafkaSasl, KafkaTls } from "./client-base";
export type { ConsumerOptions } from "./consumer";
export { KafkaUnavailableError } from "./errors";
export { partitionForKey } from "./partitioner";
export { partitionKey } from "./partition-key";
export type { ProducerOptions } from "./producer";
export { createKafkaReader, type KafkaReader, type PartitionRange, type ReadRequest } from "./reader";
export type * from "./types";
export { describeError } from "./describe-error";
export type { Logger } from "./logger";
export {
  checkCluster,
  classifyKafkaError,
  KafkaConnectionError,
  type ClusterCheck,
  type ClusterCheckOptions,
  type KafkaProblem,
  type KafkaProblemCategory,
} from "./connection-check";
