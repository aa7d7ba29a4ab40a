// A node's failed events as records for its error port (its DLQ topic): the event as the value, its
// input key, and headers saying where and why it failed (the contract's dead-letter headers).
import type { OutgoingMessage } from "@sluice/kafka";
import { type CoreFailure, defaultPartitionKey, encodeDeadLetterHeaders, type EventRecord } from "@sluice/shared";
import type { Origin } from "./batch-input";

export type DeadLetterSource = {
  pipelineId: string;
  nodeId: string;
  /** The batch's input topic and partition, its first offset (for events without their own) and the attempt. */
  sourceTopic: string;
  sourcePartition: number;
  firstOffset: string;
  attempt: number;
  failedAt: string;
};

export function deadLetterMessages(
  errorTopic: string,
  failures: readonly CoreFailure[],
  originOf: (event: EventRecord) => Origin | undefined,
  source: DeadLetterSource,
): OutgoingMessage[] {
  return failures.map((failure) => {
    const from = originOf(failure.event);
    return {
      topic: errorTopic,
      key: from?.key ?? defaultPartitionKey(failure.event),
      value: JSON.stringify(failure.event),
      headers: encodeDeadLetterHeaders({
        version: "v1",
        errorCode: failure.error.code,
        errorMessage: failure.error.message.slice(0, 1000),
        pipelineId: source.pipelineId,
        nodeId: source.nodeId,
        sourceTopic: source.sourceTopic,
        sourcePartition: source.sourcePartition,
        sourceOffset: from?.offset ?? source.firstOffset,
        attempt: source.attempt + (from?.prior ?? 0),
        failedAt: source.failedAt,
      }),
    };
  });
}
