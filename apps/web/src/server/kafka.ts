import "server-only";
import { Admin } from "@platformatic/kafka";

/** Asks the broker for cluster metadata: proves the Kafka protocol answers, not just the port. */
export async function kafkaPing(brokers: string): Promise<void> {
  const admin = new Admin({ clientId: "sluice-web-health", bootstrapBrokers: brokers.split(","), timeout: 2000, retries: 0 });
  try {
    await admin.metadata({ topics: [] });
  } finally {
    await admin.close().catch(() => {});
  }
}
