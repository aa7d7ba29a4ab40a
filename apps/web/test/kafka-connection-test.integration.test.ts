// "Test connection" against the SASL_SSL broker `npm test` starts: a saved connection and a form's
// unsaved values list the cluster's topics; a wrong password, a wrong CA and a closed port come back
// as categories with messages that carry no credentials; only admins may test; each test is audited.
import { TRPCError } from "@trpc/server";
import { createKafka, type Kafka } from "@sluice/kafka";
import { countingForwarder, secureBroker, type SecureBroker, unsecuredToken } from "@sluice/kafka/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, prisma, teamFixture } from "./fixtures";

type Fixture = Awaited<ReturnType<typeof teamFixture>>;
let f: Fixture;
let broker: SecureBroker;
let kafka: Kafka;
const topic = `connection-test-${Date.now().toString(36)}`;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

beforeAll(async () => {
  f = await teamFixture();
  broker = secureBroker();
  kafka = createKafka({
    brokers: [broker.brokers],
    clientId: "connection-test",
    log: silent,
    tls: { ca: broker.ca },
    sasl: { mechanism: "SCRAM-SHA-256", ...broker.users["SCRAM-SHA-256"] },
  });
  await kafka.admin.createTopics([{ topic, partitions: 3 }]);
});
afterAll(async () => {
  await kafka?.admin.deleteTopics([topic]).catch(() => undefined);
  await kafka?.close();
  await prisma.$disconnect();
});

const config = (mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512", ca = broker.ca, servers = [broker.brokers]) => ({
  bootstrapServers: servers,
  security: { protocol: "sasl_ssl" as const, mechanism, ca },
});

describe("kafkaConnection.test", () => {
  it("lists the topics of a saved SCRAM-SHA-512 connection and of unsaved SCRAM-SHA-256 form values", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    const saved = await admin.kafkaConnection.create({
      workspaceId,
      name: "Secured",
      config: config("SCRAM-SHA-512"),
      credentials: broker.users["SCRAM-SHA-512"],
    });
    const viaSaved = await admin.kafkaConnection.test({ workspaceId, connectionId: saved.id });
    expect(viaSaved).toMatchObject({ ok: true, brokers: 1 });
    if (viaSaved.ok) expect(viaSaved.topics).toContainEqual({ name: topic, partitions: 3 });

    const viaForm = await admin.kafkaConnection.test({
      workspaceId,
      config: config("SCRAM-SHA-256"),
      credentials: broker.users["SCRAM-SHA-256"],
    });
    expect(viaForm.ok && viaForm.topics.some((t) => t.name === topic)).toBe(true);

    const audited = await prisma.auditLog.findMany({
      where: { workspaceId, action: "kafkaConnection.test" },
      orderBy: { id: "asc" },
      select: { resourceId: true, summary: true },
    });
    expect(audited.map((a) => [a.resourceId, (a.summary as { outcome: string }).outcome])).toEqual([
      [saved.id, "connected"],
      [null, "connected"],
    ]);
    expect(JSON.stringify(audited)).not.toContain(broker.users["SCRAM-SHA-256"].password);
  });

  it("answers a wrong password with `auth` after one dial, without echoing it", async () => {
    const forwarder = await countingForwarder(broker.brokers);
    try {
      const started = Date.now();
      const result = await callerFor(f.users.admin).kafkaConnection.test({
        workspaceId: f.ws.id,
        config: config("SCRAM-SHA-256", broker.ca, [forwarder.address]),
        credentials: { username: broker.users["SCRAM-SHA-256"].username, password: "canary-3f9a-wrong" },
      });
      expect(result).toEqual({ ok: false, category: "auth", message: expect.stringMatching(/^authentication failed/) });
      expect(JSON.stringify(result)).not.toContain("canary-3f9a-wrong");
      expect(Date.now() - started).toBeLessThan(3000);
      expect(forwarder.connections()).toBe(1);
    } finally {
      await forwarder.close();
    }
  });

  it("answers an unknown CA with `tls` and a closed port with `unreachable`", async () => {
    const admin = callerFor(f.users.admin);
    const credentials = broker.users["SCRAM-SHA-256"];
    expect(
      await admin.kafkaConnection.test({
        workspaceId: f.ws.id,
        config: config("SCRAM-SHA-256", broker.otherCa),
        credentials,
      }),
    ).toMatchObject({ ok: false, category: "tls" });
    const forwarder = await countingForwarder(broker.brokers);
    await forwarder.close();
    expect(
      await admin.kafkaConnection.test({
        workspaceId: f.ws.id,
        config: config("SCRAM-SHA-256", broker.ca, [forwarder.address]),
        credentials,
      }),
    ).toMatchObject({ ok: false, category: "unreachable" });
  });

  it("SSL with a client certificate: sealed like a password, connects with it, `tls` without it or with a wrong one", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    const mtls = (clientCertificate: boolean) => ({
      bootstrapServers: [broker.mtlsBrokers],
      security: { protocol: "ssl" as const, ca: broker.ca, clientCertificate },
    });
    const credentials = { clientCert: broker.client.cert, clientKey: broker.client.key };
    await expect(
      admin.kafkaConnection.create({
        workspaceId,
        name: "No key",
        config: mtls(true),
        credentials: { clientCert: broker.client.cert },
      }),
    ).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && /private key/.test(e.message));
    await expect(
      admin.kafkaConnection.create({ workspaceId, name: "Cert unused", config: mtls(false), credentials }),
    ).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST");

    const saved = await admin.kafkaConnection.create({
      workspaceId,
      name: "Mutual TLS",
      config: mtls(true),
      credentials,
    });
    expect(saved.credentialsHint).toBe("client certificate");
    const listed = await admin.kafkaConnection.list({ workspaceId });
    expect(JSON.stringify(listed)).not.toContain("PRIVATE KEY");
    expect(JSON.stringify(listed)).not.toContain(broker.client.cert.trim().split("\n")[1]!);
    const row = await prisma.kafkaConnection.findUniqueOrThrow({ where: { id: saved.id } });
    expect(row.credentials).not.toContain("PRIVATE KEY");

    const connected = await admin.kafkaConnection.test({ workspaceId, connectionId: saved.id });
    expect(connected.ok && connected.topics.some((t) => t.name === topic)).toBe(true);
    // An edit that gives no credentials keeps the sealed certificate.
    await admin.kafkaConnection.update({
      workspaceId,
      connectionId: saved.id,
      name: "Mutual TLS 2",
      config: mtls(true),
    });
    expect(await admin.kafkaConnection.test({ workspaceId, connectionId: saved.id })).toMatchObject({ ok: true });

    const without = await admin.kafkaConnection.test({ workspaceId, config: mtls(false) });
    expect(without).toMatchObject({
      ok: false,
      category: "tls",
      message: expect.stringMatching(/requires a client certificate/),
    });
    const wrong = await admin.kafkaConnection.test({
      workspaceId,
      config: mtls(true),
      credentials: { clientCert: broker.otherClient.cert, clientKey: broker.otherClient.key },
    });
    expect(wrong).toMatchObject({
      ok: false,
      category: "tls",
      message: expect.stringMatching(/refused the client certificate/),
    });
    expect(JSON.stringify(wrong)).not.toContain("PRIVATE KEY");
  });

  it("SASL OAUTHBEARER: a saved token connects and is never shown; an expired one is `auth`", async () => {
    const admin = callerFor(f.users.admin);
    const workspaceId = f.ws.id;
    const config = {
      bootstrapServers: [broker.oauthBrokers],
      security: { protocol: "sasl_plaintext" as const, mechanism: "OAUTHBEARER" as const },
    };
    const token = unsecuredToken("sluice-web");
    await expect(
      admin.kafkaConnection.create({
        workspaceId,
        name: "Bearer pw",
        config,
        credentials: { username: "u", password: "p" },
      }),
    ).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && /needs a token/.test(e.message));
    const saved = await admin.kafkaConnection.create({ workspaceId, name: "Bearer", config, credentials: { token } });
    expect(saved.credentialsHint).toMatch(/^token /);
    expect(JSON.stringify(await admin.kafkaConnection.list({ workspaceId }))).not.toContain(token);
    const connected = await admin.kafkaConnection.test({ workspaceId, connectionId: saved.id });
    expect(connected.ok && connected.topics.some((t) => t.name === topic)).toBe(true);
    const expired = unsecuredToken("sluice-web", -600);
    const refused = await admin.kafkaConnection.test({ workspaceId, config, credentials: { token: expired } });
    expect(refused).toMatchObject({ ok: false, category: "auth" });
    expect(JSON.stringify(refused)).not.toContain(expired);
  });

  it("is for admins of the workspace only", async () => {
    const forbidden = (e: unknown) => e instanceof TRPCError && e.code === "FORBIDDEN";
    await expect(
      callerFor(f.users.editor).kafkaConnection.test({
        workspaceId: f.ws.id,
        config: config("SCRAM-SHA-256"),
        credentials: broker.users["SCRAM-SHA-256"],
      }),
    ).rejects.toSatisfy(forbidden);
    const other = await teamFixture();
    const foreign = await callerFor(other.users.admin).kafkaConnection.create({
      workspaceId: other.ws.id,
      name: "Theirs",
      config: config("SCRAM-SHA-512"),
      credentials: broker.users["SCRAM-SHA-512"],
    });
    // Another workspace's connection id is unknown here, not usable.
    await expect(
      callerFor(f.users.admin).kafkaConnection.test({ workspaceId: f.ws.id, connectionId: foreign.id }),
    ).rejects.toSatisfy((e: unknown) => e instanceof TRPCError && e.code === "NOT_FOUND");
  });
});
