// A generator node's loop: where generated events enter the pipeline (written to its output topic).
import type { Redis } from "ioredis";
import type { KafkaProducer } from "@sluice/kafka";
import { type EventRecord, generateEvents, generatorKey, type Plan } from "@sluice/shared";
import type { Logger } from "../log";
import type { EngineMetrics } from "../observe/engine-metrics";
import type { NodeHealth } from "../observe/node-health";
import { tapOutputs } from "../observe/tap";

export type GeneratorDeps = { producer: KafkaProducer; redis: Redis; metrics: EngineMetrics; runnerId: string };

/**
 * Produces the generator's deterministic stream at its configured rate. The next index is kept in
 * Redis (written after Kafka acknowledged the events), so a restart resumes without gaps; a crash
 * between the ack and the write repeats at most one batch, with the same event ids.
 */
export function startGenerator(options: {
  pipelineId: string;
  generator: Plan["generators"][number];
  deps: GeneratorDeps;
  log: Logger;
  health: NodeHealth;
  keyOf: (event: EventRecord) => string | null;
}): () => Promise<void> {
  const { pipelineId, generator, deps, log, health, keyOf } = options;
  const key = generatorKey(pipelineId, generator.nodeId);
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    await deps.redis.hsetnx(key, "start", String(Date.now()));
    const startTimeMs = Number(await deps.redis.hget(key, "start"));
    while (!stopped) {
      // One producer at a time across runner processes: a lease renewed while this one holds it.
      const lease = `${key}:lease`;
      const owned =
        (await deps.redis.set(lease, deps.runnerId, "PX", 5000, "NX")) === "OK" ||
        ((await deps.redis.get(lease)) === deps.runnerId && (await deps.redis.pexpire(lease, 5000)) === 1);
      const next = Number((await deps.redis.hget(key, "next")) ?? 0);
      const due = Math.floor(((Date.now() - startTimeMs) * generator.config.eventsPerSecond) / 1000);
      const count = owned ? Math.min(due - next, 1000) : 0;
      if (count > 0) {
        try {
          const events = generateEvents(generator.config, { startTimeMs, fromIndex: next, count });
          await deps.producer.send(
            events.map((event) => ({ topic: generator.topic, key: keyOf(event), value: JSON.stringify(event) })),
          );
          await deps.redis.hset(key, "next", String(next + count));
          tapOutputs(deps.redis, pipelineId, generator.nodeId, "out", events);
          deps.metrics.eventsOut.inc({ pipeline: pipelineId, node: generator.nodeId }, count);
          deps.metrics.stats.add(pipelineId, generator.nodeId, "in", count);
          deps.metrics.stats.add(pipelineId, generator.nodeId, "out", count);
          health.processed(generator.nodeId, count, []);
        } catch (err) {
          health.failed(generator.nodeId, err);
          log.warn({ err }, "generator produce failed; retrying");
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}
