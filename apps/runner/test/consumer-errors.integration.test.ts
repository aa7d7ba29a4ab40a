// Consumer errors against the real broker (CHAOS.md finding 5): an `error` the Kafka client emits on
// its Consumer object after a refused rejoin reaches `onError` instead of crashing the process, and a
// stage's feeder then replaces its consumer and goes on processing once joining works again.
// The error is provoked for real (a process stall + a foreign group member, see foreign-group-member.ts).
import { createKafka, type Kafka } from "@sluice/kafka";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../src/engine/engine";
import { startHttpServer, type HttpServer } from "../src/http/server";
import { createApiKey, createPipeline, createWorld, deploy, readAll, waitRunning, type World } from "./engine-world";
import { startForeignMember } from "./foreign-group-member";
import { graph } from "./graphs";
import { eventually, testLogger, testServices, uniqueName } from "./services";

describe("kafka consumer: client errors", () => {
  let kafka: Kafka;
  const topic = uniqueName("sluice.test.consumer-errors");

  beforeAll(async () => {
    kafka = createKafka({ brokers: testServices.kafkaBrokers.split(","), clientId: "consumer-errors-test", log: testLogger });
    await kafka.admin.createTopics([{ topic, partitions: 1 }]);
  });

  afterAll(async () => {
    await kafka.admin.deleteTopics([topic]).catch(() => undefined);
    await kafka.close();
  });

  it("forwards an error the client emits on its Consumer (a refused rejoin) to onError", async () => {
    const groupId = uniqueName("sluice.test.errors");
    const errors: Error[] = [];
    const consumer = kafka.consumer({ groupId, topics: [topic], sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, fetch: { maxWaitMs: 100 } });
    await consumer.start({ onMessage: () => undefined, onError: (error) => errors.push(error) });
    await eventually(() => expect(consumer.assignments()).toHaveLength(1));
    const foreign = await startForeignMember(testServices.kafkaBrokers, groupId, topic);
    try {
      // Our member misses its session; the foreign client takes the group over.
      expect(foreign.stall(30_000)).toBe(true);
      await eventually(() => expect(errors.length).toBeGreaterThan(0), { timeoutMs: 20_000 });
      expect(errors.map((e) => `${e.message} ${JSON.stringify(e)}`).join("\n")).toMatch(/INCONSISTENT_GROUP_PROTOCOL|incompatible|joinGroup/i);
    } finally {
      await consumer.close().catch(() => undefined);
      await foreign.stop();
    }
  }, 90_000);
});

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
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) });
    engine = createEngine({
      prisma: world.prisma,
      kafka: world.kafka,
      redis: world.redis,
      registry: new Registry(),
      log,
      runnerId: uniqueName("runner"),
      secretKey: world.secretKey,
      settings: { workspaceIds: [world.workspaceId], reconcileIntervalMs: 1000, lagIntervalMs: 500, topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 } },
    });
    await engine.start();
    http = await startHttpServer({ host: "127.0.0.1", port: 0, routes: engine.routes, log: testLogger });
    const pipeline = await createPipeline(world, "consumer-error");
    const key = await createApiKey(world);
    const pathKey = uniqueName("cerr").toLowerCase();
    const outTopic = `sluice.${world.workspaceId}.${pipeline.id}.external-out`;
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id } },
          { id: "map", type: "map", config: { assignments: [{ target: "props.seen", expression: "true" }] } },
          { id: "out", type: "kafka-sink", config: { topic: outTopic } },
        ],
        [["ingest", "map"], ["map", "out"]],
      ),
    );
    await waitRunning(world, deploymentId);
    const stage = engine.reconciler.running().find((d) => d.spec.deploymentId === deploymentId)!.spec.plan.stages[0]!;
    const send = async (ids: string[]) => {
      const response = await fetch(`${http!.url}/v1/ingest/${pathKey}`, { method: "POST", body: JSON.stringify(ids.map((id) => ({ id, type: "click", userId: "u-1" }))), headers: { "x-api-key": key.token } });
      expect(response.status).toBe(202);
    };
    const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => `cerr-${from + i}`);
    const outIds = async (count: number) => new Set((await readAll(world, outTopic, count)).map((m) => (JSON.parse(m.value!.toString()) as { id: string }).id));

    await send(ids(10, 0));
    expect(await outIds(10)).toEqual(new Set(ids(10, 0)));

    const foreign = await startForeignMember(testServices.kafkaBrokers, stage.groupId, stage.inputTopics[0]!);
    try {
      // The runner stalls past the stage consumer's session; the foreign client takes its group over.
      expect(foreign.stall(40_000)).toBe(true);
      await eventually(() => expect(lines.filter((l) => l.msg?.startsWith("stage consumer failed")).length).toBeGreaterThanOrEqual(2), { timeoutMs: 30_000 });
      // Refused again while the foreign client holds the group: the backoff grows.
      const retries = lines.filter((l) => l.msg?.startsWith("stage consumer failed")).map((l) => l.retryInMs);
      expect(retries.slice(0, 2)).toEqual([1000, 2000]);
      await send(ids(10, 10));
    } finally {
      await foreign.stop();
    }
    await eventually(() => expect(lines.some((l) => l.msg === "stage consumer restarted")).toBe(true), { timeoutMs: 40_000 });
    // At-least-once: every event of both rounds is in the output.
    await eventually(async () => expect(await outIds(20)).toEqual(new Set(ids(20, 0))), { timeoutMs: 40_000, everyMs: 500 });
  }, 180_000);
});
