// Enrich's Redis hash lookup through the runner's executor: the golden fixture with its lookup table in
// real Redis hashes, the node's cache TTL (a changed hash is seen only after it), and a lookup that
// cannot reach Redis failing the batch (so the engine retries it) instead of writing nulls.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreFixture, EnrichConfig, type NodeConfig } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime, type NodeRuntime } from "../src/stage/executors";
import { closeRedis, createRedis } from "../src/services/redis";
import { testLogger, testServices, uniqueName } from "./services";

const fixture = CoreFixture.parse(
  JSON.parse(
    readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), "../../../packages/shared/src/cores/fixtures/enrich-lookup.json"),
      "utf8",
    ),
  ),
);

const redisConfig = (keyPrefix: string, cacheTtl?: string): NodeConfig<"enrich"> => {
  const raw = fixture.node.config as Record<string, unknown>;
  return EnrichConfig.parse({
    ...raw,
    lookup: { kind: "redis", connectionSecretId: "sec_cache", keyPrefix },
    ...(cacheTtl ? { cacheTtl } : {}),
  });
};

async function transform(
  config: NodeConfig<"enrich">,
  connection: string,
): Promise<Extract<NodeRuntime, { kind: "transform" }>> {
  const runtime = await createNodeRuntime("enrich", config, {
    workspaceId: "ws",
    pipelineId: "p",
    nodeId: "enrich",
    log: testLogger,
    secret: async () => connection,
    kafka: () => Promise.reject(new Error("no Kafka connections")),
  });
  if (runtime.kind !== "transform") throw new Error("enrich is a transform");
  return runtime;
}

describe("enrich executor with a Redis hash lookup", () => {
  const redis = createRedis(testServices.redisUrl, testLogger, "enrich-test");
  const prefix = `${uniqueName("enrich")}:user:`;

  beforeAll(async () => {
    await redis.connect();
    for (const [id, row] of Object.entries(fixture.lookupTable ?? {}))
      await redis.hset(`${prefix}${id}`, row as Record<string, string>);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await closeRedis(redis);
  });

  it(`${fixture.description}`, async () => {
    const runtime = await transform(redisConfig(prefix), testServices.redisUrl);
    for (const batch of fixture.batches) {
      const result = await runtime.process(batch.input, { now: fixture.now });
      const outputs = Object.fromEntries(Object.entries(result.outputs).filter(([, records]) => records.length > 0));
      expect(outputs).toEqual(batch.expected.outputs);
      expect(result.errors.map((e) => ({ event: e.event, code: e.error.code }))).toEqual(batch.expected.errors);
    }
    await runtime.close?.();
  });

  it("serves lookups from its cache for cacheTtl, then reads Redis again", async () => {
    const runtime = await transform(redisConfig(prefix, "300ms"), testServices.redisUrl);
    const event = { id: "c1", type: "view", userId: "u-cache", timestamp: "2024-05-01T10:00:00Z", props: {} };
    const userOf = async () =>
      ((await runtime.process([event], { now: Date.now() })).outputs["out"]?.[0] as { user?: unknown } | undefined)
        ?.user;
    await redis.hset(`${prefix}u-cache`, { plan: "free" });
    expect(await userOf()).toEqual({ plan: "free" });
    await redis.hset(`${prefix}u-cache`, { plan: "pro" });
    expect(await userOf()).toEqual({ plan: "free" });
    await new Promise((r) => setTimeout(r, 400));
    expect(await userOf()).toEqual({ plan: "pro" });
    await runtime.close?.();
  });

  it("throws when Redis is unreachable, so the batch is retried rather than enriched with nulls", async () => {
    const runtime = await transform(redisConfig(prefix), "redis://127.0.0.1:1/0");
    const event = { id: "d1", type: "view", userId: "u1", timestamp: "2024-05-01T10:00:00Z", props: {} };
    await expect(runtime.process([event], { now: Date.now() })).rejects.toThrow();
    await runtime.close?.();
  });
});
