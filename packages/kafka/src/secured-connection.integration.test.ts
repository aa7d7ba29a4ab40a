// Secured connections against a real broker: the SASL_SSL broker `npm test` starts
// (scripts/lib/secure-kafka.ts) with a throwaway CA and SCRAM/PLAIN users made by Kafka's own tooling.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, type Kafka, type KafkaOptions } from "./client";
import { checkCluster } from "./connection-check";
import type { Logger } from "./logger";
import type { ConsumedMessage } from "./types";
import { countingForwarder, secureBroker, type SecureBroker, unsecuredToken } from "./test-support/secure-broker";

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

let broker: SecureBroker;
beforeAll(() => {
  broker = secureBroker();
});

function options(mechanism: keyof SecureBroker["users"], overrides: Partial<KafkaOptions> = {}): KafkaOptions {
  return {
    brokers: [broker.brokers],
    clientId: unique("secured"),
    log: silent,
    tls: { ca: broker.ca },
    sasl: { mechanism, ...broker.users[mechanism] },
    ...overrides,
  };
}

describe.each(["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] as const)("SASL_SSL with %s", (mechanism) => {
  let kafka: Kafka;
  const topic = unique(`secured-${mechanism.toLowerCase()}`);

  beforeAll(async () => {
    kafka = createKafka(options(mechanism));
    await kafka.admin.createTopics([{ topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await kafka.admin.deleteTopics([topic]).catch(() => undefined);
    await kafka.close();
  });

  it("produces and consumes over TLS with the harness CA", async () => {
    const producer = kafka.producer();
    await producer.send(["a", "b", "c"].map((v) => ({ topic, key: v, value: JSON.stringify({ v }) })));
    const seen: ConsumedMessage[] = [];
    const consumer = kafka.consumer({ groupId: unique("secured-group"), topics: [topic], fetch: { maxWaitMs: 100 } });
    let failure: Error | undefined;
    await consumer.start({ onMessage: (m) => seen.push(m), onError: (e) => (failure = e) });
    const deadline = Date.now() + 30_000;
    while (seen.length < 3 && !failure && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.close();
    expect(failure).toBeUndefined();
    expect(seen.map((m) => JSON.parse(m.value!.toString()).v).sort()).toEqual(["a", "b", "c"]);
  });

  it("checkCluster lists the topic with its partitions", async () => {
    const result = await checkCluster({ ...options(mechanism), timeoutMs: 10_000 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.topics).toContainEqual({ name: topic, partitions: 2 });
  });
});

describe("SSL with a client certificate (mutual TLS)", () => {
  const mtls = (tls: KafkaOptions["tls"]): KafkaOptions => ({
    brokers: [broker.mtlsBrokers],
    clientId: unique("mtls"),
    log: silent,
    ...(tls ? { tls } : {}),
  });

  it("the right certificate: produces, consumes and lists topics", async () => {
    const topic = unique("mtls");
    const kafka = createKafka(mtls({ ca: broker.ca, ...broker.client }));
    try {
      await kafka.admin.createTopics([{ topic, partitions: 1 }]);
      const producer = kafka.producer();
      await producer.send([{ topic, key: "k", value: "over mutual TLS" }]);
      await producer.close();
      const received: ConsumedMessage[] = [];
      const consumer = kafka.consumer({ groupId: unique("mtls-group"), topics: [topic], fetch: { maxWaitMs: 100 } });
      await consumer.start({ onMessage: (m) => received.push(m), onError: () => undefined });
      try {
        await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
      } finally {
        await consumer.close();
      }
      expect(received[0]!.value!.toString()).toBe("over mutual TLS");
      const result = await checkCluster({ ...mtls({ ca: broker.ca, ...broker.client }), timeoutMs: 10_000 });
      expect(result.ok && result.topics).toContainEqual({ name: topic, partitions: 1 });
    } finally {
      await kafka.admin.deleteTopics([topic]).catch(() => undefined);
      await kafka.close();
    }
  });

  it("no client certificate: `tls`, saying the broker requires one", async () => {
    const result = await checkCluster({ ...mtls({ ca: broker.ca }), timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, category: "tls", message: expect.stringMatching(/client certificate/) });
  });

  it("a certificate the broker's CA did not sign: `tls`, saying the broker refused it", async () => {
    const result = await checkCluster({ ...mtls({ ca: broker.ca, ...broker.otherClient }), timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, category: "tls", message: expect.stringMatching(/client certificate/) });
    expect(JSON.stringify(result)).not.toContain("PRIVATE KEY");
  });
});

describe("SASL OAUTHBEARER with a bearer token", () => {
  const bearer = (token: string): KafkaOptions => ({
    brokers: [broker.oauthBrokers],
    clientId: unique("oauth"),
    log: silent,
    sasl: { mechanism: "OAUTHBEARER", token },
  });

  it("a valid token: produces and lists topics", async () => {
    const topic = unique("oauth");
    const kafka = createKafka(bearer(unsecuredToken("sluice-oauth")));
    try {
      await kafka.admin.createTopics([{ topic, partitions: 1 }]);
      const producer = kafka.producer();
      await producer.send([{ topic, key: "k", value: "with a bearer token" }]);
      await producer.close();
      const result = await checkCluster({ ...bearer(unsecuredToken("sluice-oauth")), timeoutMs: 10_000 });
      expect(result.ok && result.topics).toContainEqual({ name: topic, partitions: 1 });
      expect((await kafka.admin.endOffsets([topic]))[0]!.offset).toBe(1n);
    } finally {
      await kafka.admin.deleteTopics([topic]).catch(() => undefined);
      await kafka.close();
    }
  });

  it("an expired token: `auth`, without echoing it", async () => {
    const token = unsecuredToken("sluice-oauth", -600);
    const result = await checkCluster({ ...bearer(token), timeoutMs: 10_000 });
    expect(result).toMatchObject({ ok: false, category: "auth", message: expect.stringMatching(/OAUTHBEARER token/) });
    expect(JSON.stringify(result)).not.toContain(token);
  });
});

describe("refused connections fail fast, clearly and without a retry storm", () => {
  it("a wrong password: `auth`, one connection, well under a second or two", async () => {
    const forwarder = await countingForwarder(broker.brokers);
    try {
      const started = Date.now();
      const result = await checkCluster({
        ...options("SCRAM-SHA-512", { brokers: [forwarder.address] }),
        sasl: {
          mechanism: "SCRAM-SHA-512",
          username: broker.users["SCRAM-SHA-512"].username,
          password: "not-the-password",
        },
      });
      const elapsed = Date.now() - started;
      expect(result).toEqual({ ok: false, category: "auth", message: expect.stringMatching(/^authentication failed/) });
      expect(JSON.stringify(result)).not.toContain("not-the-password");
      expect(elapsed).toBeLessThan(3000);
      expect(forwarder.connections()).toBe(1);
    } finally {
      await forwarder.close();
    }
  });

  it("a producer with a wrong password gives up after its few retries, not a minute of them", async () => {
    const forwarder = await countingForwarder(broker.brokers);
    const kafka = createKafka(
      options("SCRAM-SHA-256", {
        brokers: [forwarder.address],
        sasl: { mechanism: "SCRAM-SHA-256", username: broker.users["SCRAM-SHA-256"].username, password: "wrong" },
      }),
    );
    try {
      const started = Date.now();
      const error = await kafka
        .producer()
        .send([{ topic: "never-written", key: null, value: "x" }])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(Error);
      expect(Date.now() - started).toBeLessThan(10_000);
      // retries: 3 (the default) → at most four dials.
      expect(forwarder.connections()).toBeLessThanOrEqual(4);
    } finally {
      await kafka.close();
      await forwarder.close();
    }
  });

  it("an unknown CA: `tls`, naming the certificate problem", async () => {
    const result = await checkCluster({ ...options("SCRAM-SHA-256"), tls: { ca: broker.otherCa } });
    expect(result).toMatchObject({ ok: false, category: "tls", message: expect.stringMatching(/certificate/i) });
  });

  it("SASL without TLS against the SASL_SSL listener: `tls`", async () => {
    const { tls: _tls, ...plain } = options("SCRAM-SHA-256");
    const result = await checkCluster(plain);
    expect(result).toMatchObject({ ok: false, category: "tls" });
  });

  it("nothing listening: `unreachable`", async () => {
    const forwarder = await countingForwarder(broker.brokers);
    const address = forwarder.address;
    await forwarder.close();
    const result = await checkCluster({ ...options("SCRAM-SHA-256"), brokers: [address] });
    expect(result).toMatchObject({ ok: false, category: "unreachable" });
  });
});
