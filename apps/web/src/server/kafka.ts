import "server-only";
import { createKafka, type Kafka, type Logger } from "@sluice/kafka";
import { env } from "./env";
import { singleton } from "./singleton";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
/** One Kafka client per web process, for health checks, topic browsing and the live tap. */
export const kafka = singleton(
  "kafka",
  (): Kafka =>
    createKafka({
      brokers: env().KAFKA_BROKERS.split(","),
      clientId: "sluice-web",
      log: quiet,
      retries: 0,
      connectTimeoutMs: 2000,
    }),
);

/** Asks the broker for cluster metadata: proves the Kafka protocol answers, not just the port. */
export async function kafkaPing(): Promise<void> {
  await kafka().admin.ping();
}
