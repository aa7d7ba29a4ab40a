// The webhook sink against a real local HTTP server: every request signed (HMAC verified by the
// receiver), 5xx retried with backoff until it succeeds, 4xx dead-lettered, requests spaced by the
// node's rate limit, also when two engines (processes) send for the same node; and private targets
// refused unless the operator allows them as well as the node.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeDeadLetterHeaders, verifyWebhookSignature } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  readAll,
  deploy,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { eventually, uniqueName } from "./services";

type Hit = { id: string; at: number; status: number; signed: boolean };

/** Answers by event id: `flaky-*` get 503 twice, `bad-*` 400, the rest 200. */
async function startReceiver(secret: string): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { id } = JSON.parse(body) as { id: string };
      const signed = verifyWebhookSignature(
        secret,
        String(req.headers["x-sluice-signature"] ?? ""),
        body,
        Math.floor(Date.now() / 1000),
      );
      const earlier = hits.filter((h) => h.id === id).length;
      const status = !signed ? 401 : id.startsWith("bad-") ? 400 : id.startsWith("flaky-") && earlier < 2 ? 503 : 200;
      hits.push({ id, at: Date.now(), status, signed });
      res.writeHead(status).end();
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

const signingSecret = "whsec-test-0123456789";

/** The spacing of 5 requests per second: 200 ms apart. Arrival times jitter by connection set-up on a busy
 * machine, so check the overall pace and that no second saw more than one extra request. */
function expectFivePerSecond(times: number[]) {
  times.sort((a, b) => a - b);
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((times.length - 1) * 200 * 0.9);
  expect(Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length))).toBeLessThanOrEqual(6);
}

async function webhookPipeline(world: World, url: string) {
  const pipeline = await createPipeline(world, "webhook");
  const key = await createApiKey(world);
  const pathKey = uniqueName("hook").toLowerCase();
  const secretId = await createSecret(world, signingSecret);
  const { deploymentId } = await deploy(
    world,
    pipeline.id,
    graph(
      [
        { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
        {
          id: "hook",
          type: "webhook-sink",
          config: { url, signingSecretId: secretId, rateLimitPerSecond: 5, maxRetries: 3, allowPrivateAddresses: true },
        },
      ],
      [["ingest", "hook"]],
    ),
  );
  await waitRunning(world, deploymentId);
  return { pipelineId: pipeline.id, deploymentId, pathKey, token: key.token };
}

const post = (url: string, pathKey: string, token: string, events: unknown[]) =>
  fetch(`${url}/v1/ingest/${pathKey}`, {
    method: "POST",
    body: JSON.stringify(events),
    headers: { "x-api-key": token },
  });

describe("engine: webhook sink", () => {
  let world: World;
  let running: RunningEngine;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    world = await createWorld();
    receiver = await startReceiver(signingSecret);
    // One partition: one job at a time reaches the sink, so the spacing below is the node's alone.
    running = await startEngine(world, {
      topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
      allowPrivateWebhooks: true,
    });
  });

  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
    await world?.close();
  });

  it("signs, retries 5xx until delivered, dead-letters 4xx and keeps to the rate limit", async () => {
    const p = await webhookPipeline(world, receiver.url);
    const events = [
      ...["ok-0", "ok-1", "flaky-0", "ok-2", "bad-0", "ok-3"].map((id) => ({ id, type: "click", userId: "u-1" })),
    ];
    expect((await post(running.http.url, p.pathKey, p.token, events)).status).toBe(202);

    const dead = await readAll(world, `sluice.${world.workspaceId}.${p.pipelineId}.hook.dlq`, 1);
    expect(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id)).toEqual(["bad-0"]);
    const headers = decodeDeadLetterHeaders(dead[0]!.headers);
    expect(headers.success && headers.data).toMatchObject({
      nodeId: "hook",
      errorCode: "webhook.rejected",
      errorMessage: "webhook answered 400",
    });
    await eventually(() =>
      expect(
        receiver.hits
          .filter((h) => h.status === 200)
          .map((h) => h.id)
          .sort(),
      ).toEqual(["flaky-0", "ok-0", "ok-1", "ok-2", "ok-3"]),
    );

    expect(receiver.hits.every((h) => h.signed)).toBe(true);
    expect(receiver.hits.filter((h) => h.id === "flaky-0").map((h) => h.status)).toEqual([503, 503, 200]);
    expect(receiver.hits.filter((h) => h.id === "bad-0").map((h) => h.status)).toEqual([400]);
    expectFivePerSecond(receiver.hits.map((h) => h.at));
  });
});

describe("engine: webhook sink on two engines", () => {
  let world: World;
  const engines: RunningEngine[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    world = await createWorld();
    receiver = await startReceiver(signingSecret);
    // Two engines stand for two engine processes (or runners), each owning partitions of the sink's stage.
    const settings = {
      topics: { partitions: 4, replicationFactor: 1, retentionMs: 3_600_000 },
      allowPrivateWebhooks: true,
    };
    engines.push(await startEngine(world, settings), await startEngine(world, settings));
  });

  afterAll(async () => {
    for (const engine of engines) await engine.stop();
    await receiver?.close();
    await world?.close();
  });

  it("keeps to the node's rate across both, not to the rate per engine", async () => {
    const p = await webhookPipeline(world, receiver.url);
    await eventually(() =>
      expect(
        engines.every((e) => e.engine.reconciler.running().some((d) => d.spec.deploymentId === p.deploymentId)),
      ).toBe(true),
    );
    const sent = async (engine: RunningEngine) => {
      const metric = await engine.registry.getSingleMetric("sluice_node_events_in_total")?.get();
      return metric?.values.filter((v) => v.labels["node"] === "hook").reduce((sum, v) => sum + v.value, 0) ?? 0;
    };
    // Both own partitions once both have sent something.
    let warmUp = 0;
    await eventually(
      async () => {
        const events = Array.from({ length: 4 }, () => ({
          id: `warm-${warmUp++}`,
          type: "click",
          userId: `u-${warmUp}`,
        }));
        expect((await post(engines[0]!.http.url, p.pathKey, p.token, events)).status).toBe(202);
        await new Promise((r) => setTimeout(r, 1000));
        expect(await sent(engines[0]!)).toBeGreaterThan(0);
        expect(await sent(engines[1]!)).toBeGreaterThan(0);
      },
      { timeoutMs: 60_000, everyMs: 0 },
    );

    await eventually(() => expect(receiver.hits.filter((h) => h.id.startsWith("warm-")).length).toBe(warmUp), {
      timeoutMs: 30_000,
    });

    // Spread over the four partitions, so both engines send at once.
    const events = Array.from({ length: 16 }, (_, i) => ({ id: `burst-${i}`, type: "click", userId: `user-${i}` }));
    const before = [await sent(engines[0]!), await sent(engines[1]!)];
    expect((await post(engines[1]!.http.url, p.pathKey, p.token, events)).status).toBe(202);
    const burst = () => receiver.hits.filter((h) => h.id.startsWith("burst-"));
    await eventually(
      () =>
        expect(
          burst()
            .map((h) => h.id)
            .sort(),
        ).toEqual(events.map((e) => e.id).sort()),
      {
        timeoutMs: 30_000,
      },
    );
    expect((await sent(engines[0]!)) - before[0]!).toBeGreaterThan(0);
    expect((await sent(engines[1]!)) - before[1]!).toBeGreaterThan(0);
    // Counted per engine, the two would send about 10 per second.
    expectFivePerSecond(burst().map((h) => h.at));
  });
});

describe("engine: webhook sink with its endpoint down", () => {
  let world: World;
  let running: RunningEngine;

  beforeAll(async () => {
    world = await createWorld();
    running = await startEngine(world, {
      topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
      allowPrivateWebhooks: true,
    });
  });

  afterAll(async () => {
    await running?.stop();
    await world?.close();
  });

  it("retries the first event, then dead-letters the rest of the batch without trying each in turn", async () => {
    // Nothing listens on port 1: connection refused.
    const p = await webhookPipeline(world, "http://127.0.0.1:1/hook");
    const events = Array.from({ length: 20 }, (_, i) => ({ id: `down-${i}`, type: "click", userId: "u-1" }));
    expect((await post(running.http.url, p.pathKey, p.token, events)).status).toBe(202);
    const dead = await readAll(world, `sluice.${world.workspaceId}.${p.pipelineId}.hook.dlq`, events.length);
    expect(new Set(dead.map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id)).size).toBe(events.length);
    const messages = dead.map((m) => decodeDeadLetterHeaders(m.headers).data?.errorMessage);
    expect(messages.filter((m) => m === "webhook answered no response").length).toBeGreaterThanOrEqual(1);
    expect(
      messages.filter((m) => m?.startsWith("not sent: the endpoint was unavailable")).length,
    ).toBeGreaterThanOrEqual(1);
    const row = await eventually(async () => {
      const d = await world.prisma.deployment.findUniqueOrThrow({ where: { id: p.deploymentId } });
      expect(d.status).toBe("failing");
      return d;
    });
    expect(row.statusReason).toContain("webhook answered no response");
  });
});

describe("engine: webhook sink without the operator's permission for private targets", () => {
  let world: World;
  let running: RunningEngine;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    world = await createWorld();
    receiver = await startReceiver(signingSecret);
    running = await startEngine(world, { topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 } });
  });

  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
    await world?.close();
  });

  it("refuses a loopback URL even with the node's toggle on, dead-letters and reports the node failing", async () => {
    const p = await webhookPipeline(world, receiver.url);
    const events = ["a", "b", "c"].map((id) => ({ id, type: "click", userId: "u-1" }));
    expect((await post(running.http.url, p.pathKey, p.token, events)).status).toBe(202);
    const dead = await readAll(world, `sluice.${world.workspaceId}.${p.pipelineId}.hook.dlq`, 3);
    for (const m of dead) expect(decodeDeadLetterHeaders(m.headers).data?.errorCode).toBe("webhook.refused");
    expect(receiver.hits).toEqual([]);
    const row = await eventually(async () => {
      const d = await world.prisma.deployment.findUniqueOrThrow({ where: { id: p.deploymentId } });
      expect(d.status).toBe("failing");
      return d;
    });
    expect((row.nodeStatus as Record<string, { state: string; reason?: string }>)["hook"]?.reason).toMatch(
      /private or loopback/,
    );
  });
});
