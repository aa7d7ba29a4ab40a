/**
 * Who owns a topic on Sluice's own cluster. Pipeline-internal topics (edges, dead letters) are
 * `sluice.<workspaceId>.<pipelineId>.…` (see portTopicName); topics users name in kafka-source and
 * kafka-sink live in their workspace's namespace `ws.<slug>.<name>` and are shown as just `<name>`.
 * Broker ACLs on these prefixes back the same split up in production (docs/SECURITY.md).
 */
export const INTERNAL_TOPIC_PREFIX = "sluice.";
export const WORKSPACE_TOPIC_PREFIX = "ws.";
/** Kafka's own topics (`__consumer_offsets`, `__transaction_state`). */
const BROKER_TOPIC_PREFIX = "__";
const MAX_TOPIC_LENGTH = 249;

export function workspaceTopicPrefix(workspaceSlug: string): string {
  return `${WORKSPACE_TOPIC_PREFIX}${workspaceSlug}.`;
}

/** The broker name of a user's topic on Sluice's cluster. */
export function workspaceTopicName(workspaceSlug: string, name: string): string {
  return workspaceTopicPrefix(workspaceSlug) + name;
}

export function internalTopicPrefix(workspaceId: string): string {
  return `${INTERNAL_TOPIC_PREFIX}${workspaceId}.`;
}

/**
 * Why a user may not name this topic in a kafka-source or kafka-sink, or undefined. Refused on every
 * connection, not only Sluice's cluster: a connection could point at Sluice's own brokers.
 */
export function reservedTopicReason(name: string, workspaceSlug?: string): string | undefined {
  if (name.startsWith(INTERNAL_TOPIC_PREFIX))
    return `Topic names starting with "${INTERNAL_TOPIC_PREFIX}" are Sluice's internal topics; name your own topic`;
  if (name.startsWith(WORKSPACE_TOPIC_PREFIX)) {
    return `Topic names starting with "${WORKSPACE_TOPIC_PREFIX}" are workspace namespaces; write just the name (this workspace's prefix is added for you)`;
  }
  if (name.startsWith(BROKER_TOPIC_PREFIX))
    return `Topic names starting with "${BROKER_TOPIC_PREFIX}" belong to the broker`;
  if (workspaceSlug !== undefined && workspaceTopicName(workspaceSlug, name).length > MAX_TOPIC_LENGTH) {
    return `Too long: with this workspace's prefix the topic name may have at most ${MAX_TOPIC_LENGTH - workspaceTopicPrefix(workspaceSlug).length} characters`;
  }
  return undefined;
}

/**
 * Why a kafka-source may not name this consumer group, or undefined. Like topics, on every connection:
 * `sluice.` groups are pipelines' own and `ws.` groups workspaces' namespaces on Sluice's cluster.
 */
export function reservedGroupReason(name: string): string | undefined {
  if (name.startsWith(INTERNAL_TOPIC_PREFIX))
    return `Consumer groups starting with "${INTERNAL_TOPIC_PREFIX}" are Sluice's own; name your own group`;
  if (name.startsWith(WORKSPACE_TOPIC_PREFIX))
    return `Consumer groups starting with "${WORKSPACE_TOPIC_PREFIX}" are workspace namespaces; write just the name (this workspace's prefix is added for you)`;
  return undefined;
}
