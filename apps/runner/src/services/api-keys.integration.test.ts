// The API key resolver that ingest and views share, against the real Postgres and Redis.
import type { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, issueToken, type PrismaClient } from "@sluice/db";
import { API_KEY_REVOKED_CHANNEL } from "@sluice/shared";
import { eventually, testLogger, testServices, uniqueName } from "../../test/services";
import { HttpError } from "../http/respond";
import { type ApiKeys, createApiKeys } from "./api-keys";
import { createControlDb } from "./control-db";
import { createRateLimiter, type RateLimiter } from "./rate-limiter";
import { closeRedis, createRedis } from "./redis";

describe("createApiKeys", () => {
  let prisma: PrismaClient;
  let pool: pg.Pool;
  let redis: Redis;
  let subscriber: Redis;
  let apiKeys: ApiKeys;
  let limiter: RateLimiter;
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
    limiter = createRateLimiter({ redis, log: testLogger });
    await limiter.start();
    pool = new pg.Pool({ connectionString: testServices.databaseUrl, max: 2 });
    apiKeys = createApiKeys({ db: createControlDb(pool), subscriber, limiter, log: testLogger });
    await apiKeys.start();
  });

  afterAll(async () => {
    await prisma.workspace.deleteMany({ where: { id: { in: workspaceIds } } });
    await prisma.user.delete({ where: { id: userId } }).catch(() => undefined);
    await prisma.$disconnect();
    await pool.end();
    await closeRedis(subscriber);
    await limiter.close();
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

  it("limits each key to its rate with 429 and Retry-After, keys, endpoints and workspaces apart", async () => {
    const [ws, other] = [await workspace(), await workspace()];
    const limit = apiKeys.rateLimit("ingest", 3);
    const keyA = { id: "key-a", workspaceId: ws };
    for (let i = 0; i < 3; i++) await limit(keyA);
    const refused = await limit(keyA).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({
      status: 429,
      code: "rate_limited",
      message: "more than 3 requests per second with this API key; retry in 1 s",
      headers: { "retry-after": "1" },
    });
    await limit({ id: "key-b", workspaceId: ws });
    await limit({ id: "key-a", workspaceId: other });
    await apiKeys.rateLimit("views", 3)(keyA);
    // Another process's limit (its own Redis connection) counts the same budget: 1 per second is 1 for both.
    const elsewhere = createRateLimiter({ redis, log: testLogger });
    try {
      await elsewhere.start();
      const otherProcess = createApiKeys({
        db: createControlDb(pool),
        subscriber,
        limiter: elsewhere,
        log: testLogger,
      });
      const keyC = { id: "key-c", workspaceId: ws };
      await apiKeys.rateLimit("ingest", 1)(keyC);
      await expect(otherProcess.rateLimit("ingest", 1)(keyC)).rejects.toMatchObject({ status: 429 });
    } finally {
      await elsewhere.close();
    }
    const unlimited = apiKeys.rateLimit("ingest", 0);
    for (let i = 0; i < 100; i++) await unlimited(keyA);
  });

  it("answers 503 with Retry-After when Postgres cannot be asked", async () => {
    const down = new pg.Pool({ connectionString: "postgresql://root@127.0.0.1:1/sluice_nowhere" });
    const unreachable = createApiKeys({ db: createControlDb(down), subscriber, limiter, log: testLogger });
    try {
      await expect(unreachable.ingestKey("some-key")).rejects.toMatchObject({
        status: 503,
        code: "unavailable",
        headers: { "retry-after": "1" },
      });
      await expect(unreachable.tokenKey(issueToken("read").token)).rejects.toMatchObject({ status: 503 });
      await expect(unreachable.tokenKey(issueToken("read").token)).rejects.toMatchObject({ status: 503 });
    } finally {
      await down.end();
    }
  });
});
