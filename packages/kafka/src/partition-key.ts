// The string key of a topic partition, for maps and sets looked up per message.

const keysByTopic = new Map<string, string[]>();

/**
 * One string per partition, made once: callers look partitions up per message, and a fresh
 * concatenation per message would be flattened and hashed each time (≈1 µs per message). The cache
 * forgets everything past 10,000 topics (a runner's deployments come and go).
 */
export function partitionKey(topic: string, partition: number): string {
  let keys = keysByTopic.get(topic);
  if (!keys) {
    if (keysByTopic.size >= 10_000) keysByTopic.clear();
    keysByTopic.set(topic, (keys = []));
  }
  return (keys[partition] ??= `${topic}\u0000${partition}`);
}
