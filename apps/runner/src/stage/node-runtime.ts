// What an executor gets (ExecutorContext) and what it makes (NodeRuntime): the shapes between the
// stage step and the executors, in their own module so executors (executors.ts, s3-sink.ts) and the
// stage step depend on them rather than on each other.
import type { Kafka, OutgoingMessage } from "@sluice/kafka";
import type { RegistryClient } from "@sluice/schema-registry";
import type { BatchSource, CoreContext, CoreResult, EventRecord, StatefulCore } from "@sluice/shared";
import type { Logger } from "../log";

export type ExecutorContext = {
  workspaceId: string;
  pipelineId: string;
  nodeId: string;
  /** A connector secret's plaintext (decrypted with SLUICE_SECRET_KEY); throws when it is missing. */
  secret(secretId: string): Promise<string>;
  /** The secret's name, what logs and errors call it. Default: its id. */
  secretName?(secretId: string): Promise<string>;
  /** A client for one of the workspace's Kafka connections (one per deployment, closed with it); throws when it is missing. */
  kafka(connectionId: string): Promise<Kafka>;
  /** A client for one of the workspace's schema registries (kafka-sink's Avro); throws when it is missing. */
  registry?(registryId: string): Promise<RegistryClient>;
  /**
   * Reserves this node's next send slot, `spacingMs` after the previous one, on a schedule shared by
   * every process running the deployment (webhook sink): resolves to the ms to wait for it. Default: a
   * schedule in this process only.
   */
  sendSlot?(spacingMs: number): Promise<number>;
  log: Logger;
};

/**
 * A sink's result: records it rejected, and Kafka messages to send with the batch (kafka-sink). `ownProducer`:
 * the messages are for the sink's own cluster (a workspace connection), to be sent by its `send`.
 */
type SinkResult = Pick<CoreResult, "errors"> & { produce?: OutgoingMessage[]; ownProducer?: boolean };
/** `defer`: return Kafka messages for the caller to send (it checkpoints them first) instead of sending them. */
type WriteOptions = { defer?: boolean };

export type NodeRuntime =
  /** Driven outside stages (HTTP ingest, the generator loop). */
  | { kind: "source" }
  | {
      kind: "transform";
      process(batch: readonly EventRecord[], ctx: CoreContext): Promise<CoreResult>;
      close?(): Promise<void>;
    }
  /** One core per partition, rebuilt from its checkpointed snapshot. */
  | { kind: "stateful"; restore(state: unknown): StatefulCore<unknown>; groupKeyOf?(event: EventRecord): string }
  /**
   * Throws on transient failure (the batch is retried, then dead-lettered). `source`: the input
   * topic, partition and offsets of the stage batch being written (s3-sink names its files after them).
   */
  | {
      kind: "sink";
      write(
        batch: readonly EventRecord[],
        ctx: CoreContext,
        source: BatchSource,
        options?: WriteOptions,
      ): Promise<SinkResult>;
      /** Sends messages a deferred write returned with `ownProducer` (kafka-sink through a connection). */
      send?(messages: OutgoingMessage[]): Promise<void>;
      close?(): Promise<void>;
    };
