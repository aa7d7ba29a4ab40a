// The shared rate limiter against the real Redis: two limiters with their own connections stand for
// two engine processes (or runners) and share one budget per key; workspaces do not share; and an
// unreachable or hung Redis never fails or stalls a request: the limits are kept locally meanwhile.
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyRateKey, webhookSlotKey } from "@sluice/shared";
import { testLogger, testServices, uniqueName } from "../../test/services";
import { createLogger } from "../log";
import { createRateLimiter, type RateLimiter } from "./rate-limiter";
import { closeRedis, createRedis } from "./redis";

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger({
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }) },
  });
  return { log, lines };
}

/** A TCP proxy in front of the real Redis that can stop passing requests on (a hung Redis). */
async function freezableProxy(): Promise<{ url: string; freeze(on: boolean): void; close(): Promise<void> }> {
  const target = new URL(testServices.redisUrl);
  let frozen = false;
  const held: { upstream: Socket; data: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on("data", (data: Buffer) => (frozen ? held.push({ upstream, data }) : upstream.write(data)));
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(testServices.redisUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    freeze(on) {
      frozen = on;
      if (!on) for (const { upstream, data } of held.splice(0)) upstream.write(data);
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("createRateLimiter", () => {
  let redisA: Redis;
  let redisB: Redis;
  let a: RateLimiter;
  let b: RateLimiter;

  beforeAll(async () => {
    redisA = createRedis(testServices.redisUrl, testLogger, "limiter-test-a");
    redisB = createRedis(testServices.redisUrl, testLogger, "limiter-test-b");
    a = createRateLimiter({ redis: redisA, log: testLogger });
    b = createRateLimiter({ redis: redisB, log: testLogger });
    await Promise.all([a.start(), b.start()]);
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await Promise.all([closeRedis(redisA), closeRedis(redisB)]);
  });

  it("shares one budget per key between two processes: 5 per second is 5 across both, not 10", async () => {
    const key = apiKeyRateKey(uniqueName("ws"), "ingest", "key-1");
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).take(key, 5)));
    const allowed = answers.filter((wait) => wait === undefined).length;
    // All 12 reach Redis within a few ms; at most one more token refills if that took over 200 ms.
    expect(allowed).toBeGreaterThanOrEqual(5);
    expect(allowed).toBeLessThanOrEqual(6);
    expect(answers.filter((wait) => wait !== undefined)).toEqual(
      answers.filter((wait) => wait !== undefined).map(() => 1),
    );
    // Refused requests are not counted: once the second the refusals named has passed, both take again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await a.take(key, 5)).toBeUndefined();
    expect(await b.take(key, 5)).toBeUndefined();
  });

  it("keeps workspaces apart: the same key id in another workspace has its own budget", async () => {
    const [one, two] = [uniqueName("ws"), uniqueName("ws")];
    for (let i = 0; i < 3; i++) expect(await a.take(apiKeyRateKey(one, "views", "shared-id"), 3)).toBeUndefined();
    expect(await b.take(apiKeyRateKey(one, "views", "shared-id"), 3)).toBe(1);
    for (let i = 0; i < 3; i++) expect(await b.take(apiKeyRateKey(two, "views", "shared-id"), 3)).toBeUndefined();
    // Ingest and views budgets of one key are apart too.
    expect(await a.take(apiKeyRateKey(one, "ingest", "shared-id"), 3)).toBeUndefined();
  });

  it("lets idle keys expire once their bucket is full again", async () => {
    const key = apiKeyRateKey(uniqueName("ws"), "ingest", "key-ttl");
    await a.take(key, 10);
    const ttl = await redisA.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
  });

  it("hands out send slots of one schedule to both processes, spaced by the node's rate", async () => {
    const key = webhookSlotKey(uniqueName("ws"), "deployment", "hook");
    const slots = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => Date.now() + (await (i % 2 === 0 ? a : b).reserve(key, 100))),
    );
    slots.sort((x, y) => x - y);
    // Per process, both would send their first request at once; shared, every send is 100 ms after the last.
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(90);
    expect(await redisA.pttl(key)).toBeLessThanOrEqual(1000);
  });

  it("limits locally when Redis cannot be reached, without throwing or waiting, and logs it once", async () => {
    // Nothing listens on port 1.
    const unreachable = createRedis("redis://127.0.0.1:1/0", testLogger, "limiter-test-down");
    const { log, lines } = capturedLogger();
    const limiter = createRateLimiter({ redis: unreachable, log, timeoutMs: 150 });
    try {
      await limiter.start();
      const started = Date.now();
      const answers: (number | undefined)[] = [];
      for (let i = 0; i < 4; i++) answers.push(await limiter.take("local-key", 3));
      expect(answers).toEqual([undefined, undefined, undefined, 1]);
      expect(await limiter.reserve("local-slot", 100)).toBe(0);
      expect(await limiter.reserve("local-slot", 100)).toBeGreaterThan(90);
      expect(Date.now() - started).toBeLessThan(150);
      expect(lines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
        "rate limits are kept per process until Redis answers again",
      ]);
    } finally {
      await limiter.close();
      await closeRedis(unreachable);
    }
  });

  it("answers within its timeout when Redis hangs, limits locally meanwhile, and shares again once Redis answers", async () => {
    const proxy = await freezableProxy();
    const viaProxy = createRedis(proxy.url, testLogger, "limiter-test-proxy");
    const { log, lines } = capturedLogger();
    const limiter = createRateLimiter({ redis: viaProxy, log, timeoutMs: 150 });
    const key = apiKeyRateKey(uniqueName("ws"), "ingest", "key-hang");
    try {
      await limiter.start();
      // Through Redis: the budget the other process used up is used up here too.
      for (let i = 0; i < 2; i++) expect(await a.take(key, 2)).toBeUndefined();
      expect(await limiter.take(key, 2)).toBe(1);

      proxy.freeze(true);
      const started = Date.now();
      // Its own, fresh local bucket: 2 go on, the third is refused.
      const local = [await limiter.take(key, 2), await limiter.take(key, 2), await limiter.take(key, 2)];
      expect(local).toEqual([undefined, undefined, 1]);
      // The first call waited for the timeout; the others skip Redis for a second.
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(400);
      expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);

      proxy.freeze(false);
      await new Promise((r) => setTimeout(r, 1100));
      // Redis again: the shared bucket (refilled meanwhile) decides, and the recovery is logged once.
      for (let i = 0; i < 2; i++) expect(await a.take(key, 2)).toBeUndefined();
      expect(await limiter.take(key, 2)).toBe(1);
      expect(lines.map((l) => l.msg)).toEqual([
        "rate limits are kept per process until Redis answers again",
        "rate limits are shared through Redis again",
      ]);
    } finally {
      await limiter.close();
      await closeRedis(viaProxy);
      await proxy.close();
    }
  });
});
