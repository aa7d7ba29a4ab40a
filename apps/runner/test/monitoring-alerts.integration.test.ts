// Alerts: a throughput_below rule (forSeconds 1) on a pipeline run by two runner processes fires
// once while nothing arrives and resolves once when events flow; each transition is one AlertEvent
// row, one message on sluice:alerts:{workspaceId} and one signed webhook delivery to a local receiver.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhookSignature } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsChannel, alertStateKey, historyStreamKey } from "@sluice/shared";
import { closeRedis, createRedis } from "../src/services/redis";
import {
  createApiKey,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  startEngine,
  waitRunning,
  type RunningEngine,
  type World,
} from "./engine-world";
import { graph } from "./graphs";
import { eventually, testLogger, testServices, uniqueName } from "./services";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("monitoring: alert rules", () => {
  let world: World;
  const runners: RunningEngine[] = [];
  let receiver: Server;
  const deliveries: { signature: string | undefined; body: string; at: number }[] = [];
  let ruleId = "";
  let pipelineId = "";

  beforeAll(async () => {
    world = await createWorld();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        deliveries.push({
          signature: req.headers["x-sluice-signature"] as string | undefined,
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop("abort")));
    if (ruleId) await world.redis.del(alertStateKey(ruleId));
    if (pipelineId) await world.redis.del(historyStreamKey(pipelineId, "1s"), historyStreamKey(pipelineId, "10s"));
    await new Promise((resolve) => receiver?.close(resolve));
    await world?.close();
  });

  it("fires once and resolves once across two runners, with one signed webhook each", async () => {
    const pipeline = await createPipeline(world, "alerts");
    pipelineId = pipeline.id;
    const key = await createApiKey(world);
    const pathKey = uniqueName("al").toLowerCase();
    const hookSecret = "alert-hook-secret";
    const hookSecretId = await createSecret(world, hookSecret);
    const rule = await world.prisma.alertRule.create({
      data: {
        workspaceId: world.workspaceId,
        pipelineId: pipeline.id,
        name: "ingest stalled",
        kind: "throughput_below",
        threshold: 50,
        forSeconds: 1,
        webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        webhookSecretId: hookSecretId,
      },
    });
    ruleId = rule.id;
    const settings = {
      topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 },
      allowPrivateWebhooks: true,
      alertIntervalMs: 500,
      alertReloadMs: 1000,
    };
    runners.push(...(await Promise.all([startEngine(world, settings), startEngine(world, settings)])));
    const bell: { state: string; ruleId: string }[] = [];
    const sub = createRedis(testServices.redisUrl, testLogger, "alerts-test-sub");
    await sub.connect();
    sub.on("message", (_channel: string, message: string) =>
      bell.push(JSON.parse(message) as { state: string; ruleId: string }),
    );
    await sub.subscribe(alertsChannel(world.workspaceId));
    try {
      const { deploymentId } = await deploy(
        world,
        pipeline.id,
        graph(
          [
            { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
            { id: "sink", type: "kafka-sink", config: { topic: "alerts-out" } },
          ],
          [["ingest", "sink"]],
        ),
      );
      await waitRunning(world, deploymentId);
      const events = () =>
        world.prisma.alertEvent.findMany({ where: { ruleId: rule.id }, orderBy: { createdAt: "asc" } });

      // Nothing arrives: 0 events/s < 50 for a second -> firing, exactly once, even after more evaluations.
      await eventually(() => expect(deliveries.length).toBe(1), { timeoutMs: 15_000 });
      await sleep(2500);
      expect((await events()).map((e) => e.state)).toEqual(["firing"]);
      expect(deliveries.length).toBe(1);

      // Events flow at ~200/s (both runners' ingest, merged by the evaluator) -> resolved, once.
      let stop = false;
      let n = 0;
      const urls = runners.map((r) => `${r.http.url}/v1/ingest/${pathKey}`);
      const load = (async () => {
        while (!stop) {
          const body = JSON.stringify(
            Array.from({ length: 20 }, (_, i) => ({ id: `a-${n}-${i}`, type: "click", userId: `u-${i}` })),
          );
          await fetch(urls[n++ % urls.length]!, { method: "POST", body, headers: { "x-api-key": key.token } });
          await sleep(100);
        }
      })();
      try {
        await eventually(() => expect(deliveries.length).toBe(2), { timeoutMs: 15_000 });
        await sleep(2500);
        expect((await events()).map((e) => e.state)).toEqual(["firing", "resolved"]);
        expect(deliveries.length).toBe(2);
      } finally {
        stop = true;
        await load;
      }
      // Stop before the silence makes it fire again.
      await Promise.all(runners.splice(0).map((r) => r.stop("abort")));

      const now = Math.floor(Date.now() / 1000);
      const bodies = deliveries.map((d) => {
        expect(d.signature).toBeDefined();
        expect(verifyWebhookSignature(hookSecret, d.signature!, d.body, now)).toBe(true);
        return JSON.parse(d.body) as {
          rule: { id: string };
          state: string;
          value: number;
          message: string;
          pipelineId: string;
          at: string;
        };
      });
      expect(bodies.map((b) => b.state)).toEqual(["firing", "resolved"]);
      expect(bodies[0]).toMatchObject({ rule: { id: rule.id }, pipelineId: pipeline.id, value: 0 });
      expect(bodies[1]!.value).toBeGreaterThan(50);
      console.log(`webhooks: ${bodies.map((b) => `${b.state} value=${b.value.toFixed(1)} "${b.message}"`).join("; ")}`);
      expect(bell.filter((b) => b.ruleId === rule.id).map((b) => b.state)).toEqual(["firing", "resolved"]);
    } finally {
      await closeRedis(sub);
    }
  });
});
