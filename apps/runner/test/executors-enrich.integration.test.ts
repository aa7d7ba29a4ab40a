// The enrich golden fixture through the runner's executor, with its lookup table in a real Postgres
// table (the unit fixture test cannot reach one).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreFixture, EnrichConfig, type NodeConfig } from "@sluice/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../src/stage/executors";
import { testLogger, testServices, uniqueName } from "./services";

const fixture = CoreFixture.parse(
  JSON.parse(
    readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), "../../../packages/shared/src/cores/fixtures/enrich-lookup.json"),
      "utf8",
    ),
  ),
);

describe("enrich executor on the golden fixture", () => {
  const table = uniqueName("lookup").replace(/-/g, "_");
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: testServices.databaseUrl });
    await db.connect();
    await db.query(`CREATE TABLE ${table} (id text PRIMARY KEY, plan text, country text)`);
    for (const [id, row] of Object.entries(fixture.lookupTable ?? {})) {
      await db.query(`INSERT INTO ${table} (id, plan, country) VALUES ($1, $2, $3)`, [id, row["plan"], row["country"]]);
    }
  });

  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });

  it(`${fixture.description}`, async () => {
    const raw = fixture.node.config as { lookup: Record<string, unknown> };
    const config: NodeConfig<"enrich"> = EnrichConfig.parse({ ...raw, lookup: { ...raw.lookup, table } });
    const runtime = await createNodeRuntime("enrich", config, {
      workspaceId: "ws",
      pipelineId: "p",
      nodeId: "enrich",
      log: testLogger,
      secret: async () => testServices.databaseUrl,
      kafka: () => Promise.reject(new Error("no Kafka connections")),
    });
    if (runtime.kind !== "transform") throw new Error("enrich is a transform");
    for (const batch of fixture.batches) {
      const result = await runtime.process(batch.input, { now: fixture.now });
      const outputs = Object.fromEntries(Object.entries(result.outputs).filter(([, records]) => records.length > 0));
      expect(outputs).toEqual(batch.expected.outputs);
      expect(result.errors.map((e) => ({ event: e.event, code: e.error.code }))).toEqual(batch.expected.errors);
    }
    await runtime.close?.();
  });
});
