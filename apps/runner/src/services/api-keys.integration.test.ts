// The API key resolver that ingest and views share, against the real Postgres and Redis.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, issueToken, type PrismaClient } from "@sluice/db";
import { API_KEY_REVOKED_CHANNEL } from "@sluice/shared";
import { eventually, testLogger, testServices, uniqueName } from "../../test/services";
import { HttpError } from "../http/respond";
import { type ApiKeys, createApiKeys } from "./api-keys";
import { closeRedis, createRedis } from "./redis";

describe("createApiKeys", () => {
  let prisma: PrismaClient;
  let redis: Redis;
  let subscriber: Redis;
  let apiKeys: ApiKeys;
  let userId: string;
  const workspaceIds: string[] = [];

  async function workspace(): Promise<string> {
    const slug = uniqueName("keys").toLowerCase();
    const row = await prisma.workspace.create({ data: { name: slug, slug } });
    workspaceIds.push(row.id);
    return row.id;
  }

  async function key(
    workspaceId: string,
    options: { scope?: "ingest" | "read"; publishable?: boolean; allowedOrigins?: string[] } = {},
  ) {
    const issued = issueToken(options.scope ?? "ingest");
    const row = await prisma.apiKey.create({
      data: {
        workspaceId,
        name: "test",
        prefix: issued.prefix,
        hash: issued.hash,
        createdById: userId,
        scope: options.scope ?? "ingest",
        publishable: options.publishable ?? false,
        allowedOrigins: options.allowedOrigins ?? [],
      },
    });
    return { id: row.id, token: issued.token, hash: issued.hash };
  }

  async function revoke(hash: string, announce: boolean) {
    await prisma.apiKey.update({ where: { hash }, data: { revokedAt: new Date() } });
    if (announce) await redis.publish(API_KEY_REVOKED_CHANNEL, hash);
  }

  beforeAll(async () => {
    prisma = createPrismaClient(testServices.databaseUrl);
    redis = createRedis(testServices.redisUrl, testLogger, "api-keys-test");
    await redis.connect();
    subscriber = redis.duplicate();
    const user = await prisma.user.create({
      data: { name: "Keys Test", email: `${uniqueName("keys")}@example.test` },
    });
    userId = user.id;
    apiKeys = createApiKeys({ prisma, subscriber, log: testLogger });
    await apiKeys.start();
  });

  afterAll(async () => {
    await prisma.workspace.deleteMany({ where: { id: { in: workspaceIds } } });
    await prisma.user.delete({ where: { id: userId } }).catch(() => undefined);
    await prisma.$disconnect();
    await closeRedis(subscriber);
    await closeRedis(redis);
  });

  it("finds an ingest key by id with what ingest checks, and no read key", async () => {
    const ws = await workspace();
    const ingest = await key(ws, { publishable: true, allowedOrigins: ["https://shop.example.com"] });
    const read = await key(ws, { scope: "read" });
    expect(await apiKeys.ingestKey(ingest.id)).toEqual({
      id: ingest.id,
      hash: ingest.hash,
      workspaceId: ws,
      pipelineId: null,
      publishable: true,
      allowedOrigins: ["https://shop.example.com"],
    });
    expect(await apiKeys.ingestKey(read.id)).toBeNull();
    expect(await apiKeys.ingestKey("no-such-key")).toBeNull();
  });

  it("finds the key a token is, with its own workspace and scope, and nothing for a made-up token", async () => {
    const [a, b] = [await workspace(), await workspace()];
    const readA = await key(a, { scope: "read" });
    const ingestB = await key(b);
    expect(await apiKeys.tokenKey(readA.token)).toEqual({
      id: readA.id,
      workspaceId: a,
      pipelineId: null,
      scope: "read",
      revokedAt: null,
    });
    expect(await apiKeys.tokenKey(ingestB.token)).toMatchObject({ id: ingestB.id, workspaceId: b, scope: "ingest" });
    expect(await apiKeys.tokenKey(issueToken("read").token)).toBeNull();
  });

  it("keeps a key cached until its revocation is announced, then refuses it", async () => {
    const ws = await workspace();
    const ingest = await key(ws);
    const read = await key(ws, { scope: "read" });
    expect(await apiKeys.ingestKey(ingest.id)).not.toBeNull();
    expect((await apiKeys.tokenKey(read.token))?.revokedAt).toBeNull();

    // Revoked in the database only: the cached rows stand for now (1 s and 5 s).
    await revoke(ingest.hash, false);
    await revoke(read.hash, false);
    expect(await apiKeys.ingestKey(ingest.id)).not.toBeNull();
    expect((await apiKeys.tokenKey(read.token))?.revokedAt).toBeNull();

    await redis.publish(API_KEY_REVOKED_CHANNEL, read.hash);
    await eventually(async () => {
      expect(await apiKeys.ingestKey(ingest.id)).toBeNull();
      expect((await apiKeys.tokenKey(read.token))?.revokedAt).toBeInstanceOf(Date);
    });
  });

  it("records use at most once a minute per key", async () => {
    const ws = await workspace();
    const ingest = await key(ws);
    apiKeys.touch(ingest.id);
    const first = await eventually(async () => {
      const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: ingest.id } });
      if (!row.lastUsedAt) throw new Error("lastUsedAt not written yet");
      return row.lastUsedAt;
    });
    apiKeys.touch(ingest.id);
    await new Promise((r) => setTimeout(r, 200));
    const again = await prisma.apiKey.findUniqueOrThrow({ where: { id: ingest.id } });
    expect(again.lastUsedAt).toEqual(first);
  });

  it("limits each key to its rate with 429 and Retry-After, keys apart", () => {
    const limit = apiKeys.rateLimit(3);
    for (let i = 0; i < 3; i++) limit("key-a");
    let refused: unknown;
    try {
      limit("key-a");
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 429, code: "rate_limited", headers: { "retry-after": "1" } });
    expect(() => limit("key-b")).not.toThrow();
    const unlimited = apiKeys.rateLimit(0);
    for (let i = 0; i < 100; i++) unlimited("key-a");
  });

  it("answers 503 with Retry-After when Postgres cannot be asked", async () => {
    const down = createPrismaClient("postgresql://root@127.0.0.1:1/sluice_nowhere");
    const unreachable = createApiKeys({ prisma: down, subscriber, log: testLogger });
    try {
      await expect(unreachable.ingestKey("some-key")).rejects.toMatchObject({
        status: 503,
        code: "unavailable",
        headers: { "retry-after": "1" },
      });
      await expect(unreachable.tokenKey(issueToken("read").token)).rejects.toMatchObject({ status: 503 });
      await expect(unreachable.tokenKey(issueToken("read").token)).rejects.toMatchObject({ status: 503 });
    } finally {
      await down.$disconnect();
    }
  });
});
