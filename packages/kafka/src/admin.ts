import { Admin, ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes } from "@platformatic/kafka";
import type { ClientBase } from "./client-base";
import { KafkaUnavailableError } from "./errors";
import type { KafkaAdmin, PartitionOffset, TopicDescription, TopicSpec } from "./types";

// Kafka protocol error codes we treat as "already in the desired state".
const TOPIC_ALREADY_EXISTS = 36;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** True when every protocol error inside a (possibly aggregated) client error has one of `codes`. */
function onlyProtocolErrors(error: unknown, codes: number[]): boolean {
  const leaves: { apiCode?: unknown }[] = [];
  const walk = (e: unknown) => {
    if (typeof e !== "object" || e === null) return;
    const nested = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(nested) && nested.length > 0) nested.forEach(walk);
    else leaves.push(e as { apiCode?: unknown });
  };
  walk(error);
  return leaves.length > 0 && leaves.every((l) => typeof l.apiCode === "number" && codes.includes(l.apiCode));
}

export function createAdmin(base: ClientBase): KafkaAdmin & { close(): Promise<void> } {
  const admin = new Admin({ ...base.clientOptions, clientId: `${base.clientOptions.clientId}-admin` });
  // Health probes must fail fast and must not be answered from the metadata cache.
  const probe = new Admin({ ...base.clientOptions, clientId: `${base.clientOptions.clientId}-probe`, retries: 0 });

  async function listTopics(): Promise<string[]> {
    return admin.listTopics({ includeInternals: false });
  }

  async function partitionsOf(topics: string[]) {
    const metadata = await admin.metadata({ topics, forceUpdate: true });
    return topics.map((topic) => {
      const t = metadata.topics.get(topic);
      if (!t) throw new Error(`unknown topic ${topic}`);
      return { topic, meta: t };
    });
  }

  async function listOffsets(topics: string[], timestamp: bigint): Promise<PartitionOffset[]> {
    if (topics.length === 0) return [];
    const described = await partitionsOf(topics);
    const listed = await admin.listOffsets({
      topics: described.map(({ topic, meta }) => ({
        name: topic,
        partitions: Array.from({ length: meta.partitionsCount }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp,
        })),
      })),
    });
    return listed
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.offset })))
      .sort(byTopicPartition);
  }

  return {
    async createTopics(specs: TopicSpec[]) {
      const existing = new Set(await listTopics());
      const created: string[] = [];
      for (const spec of specs) {
        if (existing.has(spec.topic)) continue;
        try {
          await admin.createTopics({
            topics: [spec.topic],
            partitions: spec.partitions,
            replicas: spec.replicationFactor ?? -1,
            configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          });
          created.push(spec.topic);
        } catch (error) {
          // Another runner reconciling the same pipeline won the race: same outcome.
          if (!onlyProtocolErrors(error, [TOPIC_ALREADY_EXISTS])) throw error;
          existing.add(spec.topic);
        }
      }
      return { created, existing: specs.map((s) => s.topic).filter((t) => !created.includes(t)) };
    },

    async deleteTopics(topics: string[]) {
      // Deleting an unknown topic makes the client retry with back-off; ask first instead.
      const present = new Set(await listTopics());
      const doomed = topics.filter((t) => present.has(t));
      if (doomed.length === 0) return;
      try {
        await admin.deleteTopics({ topics: doomed });
      } catch (error) {
        if (!onlyProtocolErrors(error, [UNKNOWN_TOPIC_OR_PARTITION])) throw error;
      }
    },

    listTopics,

    async describeTopics(topics: string[]): Promise<TopicDescription[]> {
      if (topics.length === 0) return [];
      const described = await partitionsOf(topics);
      const configs = await admin.describeConfigs({
        resources: topics.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })),
      });
      return described.map(({ topic, meta }) => {
        const entries = configs.find((c) => c.resourceName === topic)?.configs ?? [];
        const config: Record<string, string> = {};
        for (const c of entries) {
          if (c.configSource === ConfigSources.TOPIC_CONFIG && c.value != null && !c.isSensitive)
            config[c.name] = c.value;
        }
        return {
          topic,
          id: meta.id,
          partitions: meta.partitions.map((p, partition) => ({
            partition,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
          })),
          config,
        };
      });
    },

    // timestamp -1 = "latest": the offset the next message will get.
    endOffsets: (topics: string[]) => listOffsets(topics, -1n),
    // timestamp -2 = "earliest": the first offset still retained.
    startOffsets: (topics: string[]) => listOffsets(topics, -2n),

    async groupMembers(groupId: string): Promise<string[]> {
      const groups = await admin.describeGroups({ groups: [groupId] });
      return [...(groups.get(groupId)?.members.keys() ?? [])];
    },

    async setCommittedOffsets(groupId: string, offsets: PartitionOffset[]) {
      if (offsets.length === 0) return;
      const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
      for (const o of offsets)
        byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
      await admin.alterConsumerGroupOffsets({
        groupId,
        topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
      });
    },

    async addPartitions(topic: string, count: number) {
      await admin.createPartitions({ topics: [{ name: topic, count }] });
    },

    async setTopicConfig(topic: string, config: Record<string, string>) {
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configs: Object.entries(config).map(([name, value]) => ({
              name,
              value,
              configOperation: IncrementalAlterConfigOperationTypes.SET,
            })),
          },
        ],
      });
    },

    async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffset[]> {
      if (topics.length === 0) return [];
      const described = await partitionsOf(topics);
      const [group] = await admin.listConsumerGroupOffsets({
        groups: [
          {
            groupId,
            topics: described.map(({ topic, meta }) => ({
              name: topic,
              partitionIndexes: Array.from({ length: meta.partitionsCount }, (_, i) => i),
            })),
          },
        ],
      });
      return (group?.topics ?? [])
        .flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset })),
        )
        .filter((o) => o.offset >= 0n) // -1 = nothing committed yet
        .sort(byTopicPartition);
    },

    async ping() {
      try {
        await probe.metadata({ topics: [], forceUpdate: true });
      } catch (error) {
        throw new KafkaUnavailableError(base.clientOptions.bootstrapBrokers, error);
      }
    },

    async close() {
      await Promise.all([admin.close(), probe.close()]);
    },
  };
}

function byTopicPartition(a: PartitionOffset, b: PartitionOffset) {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}
