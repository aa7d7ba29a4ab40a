// A stage whose Kafka consumer fails for real (CHAOS.md finding 5: a refused rejoin, provoked by a
// process stall and a foreign group member, see packages/kafka/src/test-support/foreign-group-member.ts;
// packages/kafka/src/consumer.integration.test.ts checks that the wrapper reports it): the feeder
// replaces the consumer after a backoff and the stage goes on processing once joining works again.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../src/wiring";
import { startHttpServer, type HttpServer } from "../src/http/server";
import {
  createApiKey,
  createPipeline,
  createWorld,
  createWorldEngine,
  ownTopic,
  deploy,
  readAll,
  testTopics,
  waitRunning,
  type World,
} from "./engine-world";
import { startForeignMember } from "../../../packages/kafka/src/test-support/foreign-group-member";
import { ingestMapTo } from "./graphs";
import { eventually, testLogger, testServices, uniqueName } from "./services";

describe("engine: a stage whose consumer fails", () => {
  let world: World;
  let engine: Engine | undefined;
  let http: HttpServer | undefined;
  const lines: { msg?: string; retryInMs?: number }[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });

  afterAll(async () => {
    await http?.close(100);
    await engine?.stop();
    await world?.close();
  });

  it("replaces the consumer after a backoff and goes on processing once the group accepts it again", async () => {
    const log = pino(
      { level: "info" },
      { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) },
    );
    engine = createWorldEngine(world, { topics: testTopics(1) }, { log });
    await engine.start();
    http = await startHttpServer({ host: "127.0.0.1", port: 0, routes: engine.routes, log: testLogger });
    const pipeline = await createPipeline(world, "consumer-error");
    const key = await createApiKey(world);
    const pathKey = uniqueName("cerr").toLowerCase();
    const outName = uniqueName("external-out");
    const outTopic = ownTopic(world, outName);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      ingestMapTo(pathKey, key.id, { id: "out", type: "kafka-sink", config: { topic: outName } }),
    );
    await waitRunning(world, deploymentId);
    const stage = engine.reconciler.running().find((d) => d.spec.deploymentId === deploymentId)!.spec.plan.stages[0]!;
    const send = async (ids: string[]) => {
      const response = await fetch(`${http!.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(ids.map((id) => ({ id, type: "click", userId: "u-1" }))),
        headers: { "x-api-key": key.token },
      });
      expect(response.status).toBe(202);
    };
    const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => `cerr-${from + i}`);
    const outIds = async (count: number) =>
      new Set(
        (await readAll(world, outTopic, count)).map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id),
      );

    await send(ids(10, 0));
    expect(await outIds(10)).toEqual(new Set(ids(10, 0)));

    const foreign = await startForeignMember(testServices.kafkaBrokers, stage.groupId, stage.inputTopics[0]!);
    try {
      // The runner stalls past the stage consumer's session; the foreign client takes its group over.
      expect(foreign.stall(40_000)).toBe(true);
      await eventually(
        () => expect(lines.filter((l) => l.msg?.startsWith("stage consumer failed")).length).toBeGreaterThanOrEqual(2),
        { timeoutMs: 30_000 },
      );
      // Refused again while the foreign client holds the group: the backoff grows.
      const retries = lines.filter((l) => l.msg?.startsWith("stage consumer failed")).map((l) => l.retryInMs);
      expect(retries.slice(0, 2)).toEqual([1000, 2000]);
      await send(ids(10, 10));
    } finally {
      await foreign.stop();
    }
    await eventually(() => expect(lines.some((l) => l.msg === "stage consumer restarted")).toBe(true), {
      timeoutMs: 40_000,
    });
    // At-least-once: every event of both rounds is in the output.
    await eventually(async () => expect(await outIds(20)).toEqual(new Set(ids(20, 0))), {
      timeoutMs: 40_000,
      everyMs: 500,
    });
  }, 180_000);
});
