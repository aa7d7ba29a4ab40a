// Our own Kafka vocabulary. Nothing outside src/kafka/ sees a client library's types, so the client
// (today @platformatic/kafka) can be swapped by rewriting this folder only.

export type TopicPartition = { topic: string; partition: number };

/** A position in a partition. For commits it is the NEXT offset to read (last processed + 1). */
export type PartitionOffset = TopicPartition & { offset: bigint };

/** Header values are UTF-8 text: schema version, trace ids, DLQ error details. */
export type MessageHeaders = Record<string, string>;

export type OutgoingMessage = {
  topic: string;
  /** Decides the partition (Java-compatible murmur2), so one key keeps its order. */
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: MessageHeaders;
  /** Overrides the key's partition; only for replays that must land where they came from. */
  partition?: number;
  /** Milliseconds since the epoch. Default: now (set by the client). */
  timestamp?: bigint;
};

export type ConsumedMessage = {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
  /** Milliseconds since the epoch (producer's CreateTime unless the topic says LogAppendTime). */
  timestamp: bigint;
};

export type KafkaProducer = {
  /**
   * Sends one batch and resolves once every partition leader has acknowledged it with acks=all.
   * Returns the base offset written in each partition the batch touched.
   */
  send(messages: OutgoingMessage[]): Promise<PartitionOffset[]>;
  close(): Promise<void>;
};

export type ConsumerHandlers = {
  /**
   * Called for every message, in offset order per partition, never for a paused partition. Within
   * one continuous ownership of a partition an offset is delivered at most once.
   */
  onMessage(message: ConsumedMessage): void;
  /**
   * Called after every group rebalance with this member's partitions. Work in flight for partitions
   * that are no longer listed must be dropped uncommitted: their new owner reads them again.
   */
  onAssignment?(partitions: TopicPartition[]): void;
  /** The consumer stopped because of an error it could not recover from. */
  onError(error: Error): void;
};

export type KafkaConsumer = {
  /** Joins the group and starts delivering. Resolves once the stream is set up. */
  start(handlers: ConsumerHandlers): Promise<void>;
  /** Stops delivering these partitions until resumed (fetching stops once their buffers fill). */
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Commits explicit offsets (next offset to read) for this group. */
  commit(offsets: PartitionOffset[]): Promise<void>;
  /** This member's current partitions. */
  assignments(): TopicPartition[];
  /** Leaves the group; uncommitted work is read again by the next owner. */
  close(): Promise<void>;
};

export type TopicSpec = {
  topic: string;
  partitions: number;
  /** Default -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Topic-level configs, e.g. { "retention.ms": "604800000" }. Default none. */
  config?: Record<string, string>;
};

export type TopicDescription = {
  topic: string;
  id: string;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
  /** Configs set on the topic itself (not broker defaults). */
  config: Record<string, string>;
};

export type KafkaAdmin = {
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  createTopics(specs: TopicSpec[]): Promise<{ created: string[]; existing: string[] }>;
  /** Deletes the topics that exist; unknown names are ignored. */
  deleteTopics(topics: string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  describeTopics(topics: string[]): Promise<TopicDescription[]>;
  /** Offset the next produced message will get, per partition (the high watermark). */
  endOffsets(topics: string[]): Promise<PartitionOffset[]>;
  /** The group's committed offsets (next offset to read); partitions without a commit are left out. */
  committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffset[]>;
  /** First offset still retained per partition (the log start). */
  startOffsets(topics: string[]): Promise<PartitionOffset[]>;
  /** Member ids currently in the group (empty when the group is empty or unknown). */
  groupMembers(groupId: string): Promise<string[]>;
  /** Overwrites the group's committed offsets. The broker refuses while the group has members. */
  setCommittedOffsets(groupId: string, offsets: PartitionOffset[]): Promise<void>;
  /** Grows a topic to `count` partitions (never shrinks; keys map to new partitions afterwards). */
  addPartitions(topic: string, count: number): Promise<void>;
  /** Sets topic-level configs (e.g. retention.ms), leaving the others as they are. */
  setTopicConfig(topic: string, config: Record<string, string>): Promise<void>;
  /** One fresh metadata round trip to the cluster; throws when no broker answers. */
  ping(): Promise<void>;
};
