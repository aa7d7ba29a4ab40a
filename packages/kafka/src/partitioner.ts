import type { compatibilityPartitioner } from "@platformatic/kafka";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) in 32-bit integer arithmetic. The
 * library's port computes it in BigInts that grow with the key (allocations for every message
 * produced); this gives the same hash.
 */
function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last 1–3 bytes (Java's switch falls through from case 3 to case 1).
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[blocks + 2]! << 16;
    if (rest >= 2) h ^= data[blocks + 1]! << 8;
    h ^= data[blocks]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition a keyed message lands on: toPositive(murmur2(key)) % partitions, exactly as the Java
 * client, KafkaJS and Redpanda Connect place it, so producers in any language agree on a key's home.
 */
export function partitionForKey(key: string | Buffer, partitions: number): number {
  const bytes = typeof key === "string" ? Buffer.from(key) : key;
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

/**
 * The producer's partitioner, the same function as partitionForKey before the modulo (and as the
 * library's compatibilityPartitioner: a message without a key gets 0).
 */
export const javaCompatiblePartitioner: typeof compatibilityPartitioner = (_message, key) =>
  Buffer.isBuffer(key) ? murmur2(key) & 0x7fffffff : 0;
