// The generator source produces at its rate and resumes after a restart without repeating or
// skipping events (ids are deterministic per index).
import pg from "pg";
import { GeneratorConfig, generateEvents, generatorKey } from "@sluice/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeSinkTable,
  createPipeline,
  createSecret,
  createWorld,
  deploy,
  openSinkTable,
  startEngine,
  waitRunning,
  type World,
} from "./engine-world";
import { graph, postgresSinkNode } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

describe("engine: generator source", () => {
  let world: World;
  let sinkDb: pg.Client;
  const table = uniqueName("gen").replace(/-/g, "_");

  beforeAll(async () => {
    world = await createWorld();
    sinkDb = await openSinkTable(table, "event_id text NOT NULL");
  });

  afterAll(async () => {
    await closeSinkTable(sinkDb, table);
    await world?.close();
  });

  it("resumes where it stopped", async () => {
    const secretId = await createSecret(world, testServices.databaseUrl);
    const pipeline = await createPipeline(world, "generator");
    const count = async () =>
      Number((await sinkDb.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    const settings = { topics: { partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 } };
    let running = await startEngine(world, settings);
    const { deploymentId } = await deploy(
      world,
      pipeline.id,
      graph(
        [
          {
            id: "gen",
            type: "generator",
            config: { eventsPerSecond: 200, users: 50, duplicateRatio: 0, lateRatio: 0 },
          },
          postgresSinkNode({ connectionSecretId: secretId, table, columns: { event_id: "event.id" } }),
        ],
        [["gen", "sink"]],
      ),
    );
    await waitRunning(world, deploymentId);
    await eventually(async () => expect(await count()).toBeGreaterThan(100), { timeoutMs: 20_000 });
    await running.stop();
    const afterFirst = await count();
    running = await startEngine(world, settings);
    await eventually(async () => expect(await count()).toBeGreaterThan(afterFirst + 100), { timeoutMs: 20_000 });
    await running.stop();
    // Every row is one of the events produced so far, in index order from 0 (none skipped by the
    // restart); the last few produced before the stop may still wait in the topic for the next start.
    const saved = await world.redis.hgetall(generatorKey(pipeline.id, "gen"));
    const config = GeneratorConfig.parse({ eventsPerSecond: 200, users: 50, duplicateRatio: 0, lateRatio: 0 });
    const produced = generateEvents(config, {
      startTimeMs: Number(saved["start"]),
      fromIndex: 0,
      count: Number(saved["next"]),
    }).map((e) => e.id);
    const rows = (await sinkDb.query<{ event_id: string }>(`SELECT event_id FROM ${table}`)).rows.map(
      (r) => r.event_id,
    );
    // No event written twice: per id, at most as many rows as the generator produced (its seeded ids
    // can repeat on their own).
    const tally = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
    const producedTally = tally(produced as string[]);
    expect([...tally(rows)].filter(([id, n]) => n > (producedTally.get(id) ?? 0))).toEqual([]);
    expect(rows.length).toBeGreaterThan(produced.length - 50);
  });
});
