import { describeError } from "./describe-error";

/** No broker in KAFKA_BROKERS answered. Its stack is its message: the fix is configuration, not code. */
export class KafkaUnavailableError extends Error {
  override readonly name = "KafkaUnavailableError";

  constructor(brokers: string[], cause: unknown) {
    super(`cannot reach any Kafka broker at ${brokers.join(",")} (${describeError(cause)})`, { cause });
    this.stack = `${this.name}: ${this.message}`;
  }
}
