// The SASL_SSL broker `npm test` starts (secureBroker(), @sluice/kafka/test-support) for the runner's
// tests of Kafka connections: a client of it for a suite, and workspace connections to it.
import { sealSecret, secretHint } from "@sluice/db";
import { createKafka, type Kafka } from "@sluice/kafka";
import type { SecureBroker } from "@sluice/kafka/test-support";
import type { KafkaConnectionConfig } from "@sluice/shared";
import { afterAll, beforeAll } from "vitest";
import type { World } from "./engine-world";
import { testLogger } from "./services";

type Scram = "SCRAM-SHA-256" | "SCRAM-SHA-512";

/**
 * For a suite: the broker and a client of it signed in as its `mechanism` user, with `topics` made on it
 * before the suite's tests (a connection's topics are never created by the runner) and deleted after.
 * `broker`: `() => secureBroker()`, written in the test file: `npm test` starts the broker for the
 * files that call it.
 */
export function useSecuredKafka(
  broker: () => SecureBroker,
  mechanism: Scram,
  topics: { topic: string; partitions: number }[],
): { broker: SecureBroker; kafka: Kafka } {
  const t = {} as { broker: SecureBroker; kafka: Kafka };
  beforeAll(async () => {
    t.broker = broker();
    t.kafka = createKafka({
      brokers: [t.broker.brokers],
      clientId: "engine-secured-test",
      log: testLogger,
      tls: { ca: t.broker.ca },
      sasl: { mechanism, ...t.broker.users[mechanism] },
    });
    await t.kafka.admin.createTopics(topics);
  });
  afterAll(async () => {
    await t.kafka?.admin.deleteTopics(topics.map((x) => x.topic)).catch(() => undefined);
    await t.kafka?.close();
  });
  return t;
}

/** A Kafka connection of the workspace, its credentials sealed with the world's key; returns its id. */
export async function createKafkaConnection(
  world: World,
  name: string,
  config: KafkaConnectionConfig,
  credentials: Record<string, string>,
  credentialsHint: string,
): Promise<string> {
  const row = await world.prisma.kafkaConnection.create({
    data: {
      workspaceId: world.workspaceId,
      name,
      config,
      credentials: sealSecret(JSON.stringify(credentials), world.secretKey, world.workspaceId),
      credentialsHint,
      createdById: world.userId,
    },
  });
  return row.id;
}

/** A SASL_SSL connection as the broker's `mechanism` user (`bootstrap`: default the broker; `password`: the user's). */
export function scramConnection(
  world: World,
  broker: SecureBroker,
  name: string,
  mechanism: Scram,
  { bootstrap = broker.brokers, password = broker.users[mechanism].password } = {},
): Promise<string> {
  return createKafkaConnection(
    world,
    name,
    { bootstrapServers: [bootstrap], security: { protocol: "sasl_ssl", mechanism, ca: broker.ca } },
    { username: broker.users[mechanism].username, password },
    secretHint(password),
  );
}
