// Alerts: a throughput_below rule (forSeconds 1) on a pipeline run by two runner processes fires
// once while nothing arrives and resolves once when events flow; each transition is one AlertEvent
// row, one message on sluice:alerts:{workspaceId} and one signed webhook delivery to a local receiver.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { alertsChannel, verifyWebhookSignature } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIngestPipeline,
  createSecret,
  deploy,
  listen,
  postIngest,
  testTopics,
  useWorld,
  waitRunning,
} from "./engine-world";
import { graph, ingestNode } from "./graphs";
import { eventually, sleep } from "./services";

describe("monitoring: alert rules", () => {
  let receiver: Server;
  const deliveries: { signature: string | undefined; body: string; at: number }[] = [];

  beforeAll(async () => {
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
    await new Promise((resolve) => receiver?.close(resolve));
  });
  // Closing the world also removes the rule's alert state.
  const setup = useWorld("abort");

  it("fires once and resolves once across two runners, with one signed webhook each", async () => {
    const { world } = setup;
    const ingest = await createIngestPipeline(world, "alerts");
    const { pipeline } = ingest;
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
    const settings = {
      topics: testTopics(2),
      allowPrivateWebhooks: true,
      alertIntervalMs: 500,
      alertReloadMs: 1000,
    };
    const runners = await Promise.all([setup.start(settings), setup.start(settings)]);
    const sub = await listen<{ state: string; ruleId: string }>(alertsChannel(world.workspaceId));
    const bell = sub.messages;
    try {
      const { deploymentId } = await deploy(
        world,
        pipeline.id,
        graph(
          [ingestNode(ingest), { id: "sink", type: "kafka-sink", config: { topic: "alerts-out" } }],
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
      const load = (async () => {
        while (!stop) {
          const events = Array.from({ length: 20 }, (_, i) => ({ id: `a-${n}-${i}`, type: "click", userId: `u-${i}` }));
          await postIngest(runners[n++ % runners.length]!, ingest, events);
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
      await Promise.all(runners.map((r) => setup.stop(r, "abort")));

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
      await sub.close();
    }
  });
});
