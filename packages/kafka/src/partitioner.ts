import { compatibilityPartitioner } from "@platformatic/kafka";

/**
 * The partition a keyed message lands on: toPositive(murmur2(key)) % partitions, exactly as the Java
 * client, KafkaJS and Redpanda Connect place it, so producers in any language agree on a key's home.
 */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  const bytes = typeof key === "string" ? Buffer.from(key) : key;
  return compatibilityPartitioner(undefined as never, bytes) % partitions;
}

/** The producer's partitioner, the same function as partitionForKey before the modulo. */
export const javaCompatiblePartitioner = compatibilityPartitioner;
