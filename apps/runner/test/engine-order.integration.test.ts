// Per-key order through a stateless stage: a user's events reach the sink in the order they were
// ingested, although the pool runs several jobs at once. The sink is a webhook receiver that answers
// after a random few milliseconds (an endpoint with jittery latency), so two batches of one partition
// running side by side would interleave their requests and a later event could overtake an earlier one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiKey,
  createPipeline,
  createWorld,
  deploy,
  type RunningEngine,
  startEngine,
  waitRunning,
  type World,
} from "./engine-world";
import { ingestMapTo } from "./graphs";
import { eventually, uniqueName } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

type Hit = { userId: string; seq: number };

async function startJitteryReceiver(): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const event = JSON.parse(body) as { userId: string; props: { seq: number } };
      hits.push({ userId: event.userId, seq: event.props.seq });
      setTimeout(() => res.writeHead(200).end(), Math.floor(Math.random() * 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("engine: per-key order through a stateless stage", () => {
  let world: World;
  let running: RunningEngine;
  let receiver: Awaited<ReturnType<typeof startJitteryReceiver>>;

  beforeAll(async () => {
    world = await createWorld();
    receiver = await startJitteryReceiver();
    // Default in-flight limits, small batches (many per partition) and 2 jobs at once per process.
    running = await startEngine(world, {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      feeder: { ...DEFAULT_ENGINE_SETTINGS.feeder, maxBatchRecords: 5, lingerMs: 5 },
      pool: { concurrency: 2, attempts: 3, backoffMs: 100 },
      allowPrivateWebhooks: true,
    });
  });

  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
    await world?.close();
  });

  it("delivers each user's events to the sink in ingest order while the pool runs batches concurrently", async () => {
    const pipeline = await createPipeline(world, "order");
    const key = await createApiKey(world);
    const pathKey = uniqueName("order").toLowerCase();
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      ingestMapTo(pathKey, key.id, {
        id: "hook",
        type: "webhook-sink",
        config: { url: receiver.url, rateLimitPerSecond: 1000, maxRetries: 3, allowPrivateAddresses: true },
      }),
    );
    await waitRunning(world, deploymentId);

    const users = 6;
    const perUser = 50;
    // Interleaved users, each user's events in seq order; 4 requests, sent one after the other.
    const events = Array.from({ length: users * perUser }, (_, i) => ({
      id: `order-${i}`,
      type: "click",
      userId: `u-${i % users}`,
      props: { seq: Math.floor(i / users) },
    }));
    for (let i = 0; i < events.length; i += events.length / 4) {
      const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(events.slice(i, i + events.length / 4)),
        headers: { "x-api-key": key.token },
      });
      expect(response.status).toBe(202);
    }
    await eventually(() => expect(receiver.hits.length).toBeGreaterThanOrEqual(events.length), {
      timeoutMs: 40_000,
      everyMs: 200,
    });

    const byUser = new Map<string, number[]>();
    for (const hit of receiver.hits) byUser.set(hit.userId, [...(byUser.get(hit.userId) ?? []), hit.seq]);
    expect(byUser.size).toBe(users);
    for (const [, seqs] of byUser) {
      // Strictly increasing: no event overtook an earlier one, and none was delivered twice.
      const inversions = seqs.filter((seq, i) => i > 0 && seq <= seqs[i - 1]!).length;
      expect({ inversions, seqs: seqs.length }).toEqual({ inversions: 0, seqs: perUser });
    }
  });
});
