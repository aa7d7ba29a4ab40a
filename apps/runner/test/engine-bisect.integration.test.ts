// One bad row never dead-letters its neighbours: a Postgres sink whose batch fails on one row (a
// value Postgres refuses) bisects the batch on its last attempt, writes every good row and
// dead-letters only the bad one, with the database's reason and the event's own source offset.
import { decodeDeadLetterHeaders } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import {
  closeSinkTable,
  createApiKey,
  createPipeline,
  createSecret,
  deploy,
  openSinkTable,
  readAll,
  waitRunning,
  useEngineWorld,
} from "./engine-world";
import { graph, postgresSinkNode } from "./graphs";
import { eventually, testServices, uniqueName } from "./services";

describe("engine: a failing sink batch is bisected", () => {
  const setup = useEngineWorld({
    topics: { partitions: 1, replicationFactor: 1, retentionMs: 3_600_000 },
    pool: { concurrency: 2, attempts: 2, backoffMs: 100 },
  });

  it("writes the good rows of a chunk with one refused row and dead-letters only that row", async () => {
    const { world, running } = setup;
    const pipeline = await createPipeline(world, "bisect");
    const key = await createApiKey(world);
    const pathKey = uniqueName("bisect").toLowerCase();
    const table = uniqueName("bisect_sink").replace(/-/g, "_");
    const db = await openSinkTable(
      table,
      "event_id text PRIMARY KEY, event_type text CHECK (event_type <> 'refused'), note text",
    );
    try {
      const secretId = await createSecret(world, testServices.databaseUrl);
      const { deploymentId } = await deploy(
        world,
        pipeline.id,
        graph(
          [
            { id: "ingest", type: "http-ingest", config: { pathKey, apiKeyId: key.id, maxBatch: 1000 } },
            // Fused with the sink: provenance must survive the bisection of the node after it.
            {
              id: "map",
              type: "map",
              config: {
                assignments: [
                  { target: "props.note", expression: 'has(event.props.note) ? event.props.note : "fine"' },
                ],
              },
            },
            postgresSinkNode({
              connectionSecretId: secretId,
              table,
              keyColumns: ["event_id"],
              columns: { event_id: "event.id", event_type: "event.type", note: "event.props.note" },
            }),
          ],
          [
            ["ingest", "map"],
            ["map", "sink"],
          ],
        ),
      );
      await waitRunning(world, deploymentId);
      const events = Array.from({ length: 300 }, (_, i) => ({
        id: `b-${String(i).padStart(3, "0")}`,
        type: "click",
        userId: `u-${i % 9}`,
      }));
      // A check violation (23514) and a NUL character Postgres cannot store in text (22021), in one request.
      const bad = [
        { ...events[137]!, type: "refused" },
        { ...events[250]!, props: { note: "nul \u0000 inside" } },
      ];
      events[137] = bad[0]!;
      events[250] = bad[1]! as (typeof events)[number];
      const response = await fetch(`${running.http.url}/v1/ingest/${pathKey}`, {
        method: "POST",
        body: JSON.stringify(events),
        headers: { "x-api-key": key.token },
      });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ accepted: 300, rejected: 0 });

      const dead = await readAll(world, `sluice.${world.workspaceId}.${pipeline.id}.sink.dlq`, 2);
      expect(dead).toHaveLength(2);
      const byId = new Map(
        dead.map((m) => [(JSON.parse(m.value!.toString()) as { id: string }).id, decodeDeadLetterHeaders(m.headers)]),
      );
      expect([...byId.keys()].sort()).toEqual(["b-137", "b-250"]);
      const refused = byId.get("b-137")!;
      const nul = byId.get("b-250")!;
      if (!refused.success || !nul.success) throw new Error("dead-letter headers do not decode");
      expect(refused.data).toMatchObject({ nodeId: "sink", errorCode: "node.failed", attempt: 2 });
      expect(refused.data.errorMessage).toContain("check constraint");
      expect(nul.data.errorMessage).toMatch(/0x00|invalid byte sequence/);
      // Each dead letter names its own record, not the batch's first.
      expect(refused.data.sourceOffset).not.toBe(nul.data.sourceOffset);

      const good = events.map((e) => e.id).filter((id) => id !== "b-137" && id !== "b-250");
      await eventually(
        async () => {
          const rows = await db.query<{ event_id: string }>(`SELECT event_id FROM ${table} ORDER BY event_id`);
          expect(rows.rows.map((r) => r.event_id)).toEqual(good);
        },
        { timeoutMs: 30_000 },
      );
      // Nothing else was dead-lettered later.
      const ends = await world.kafka.admin.endOffsets([`sluice.${world.workspaceId}.${pipeline.id}.sink.dlq`]);
      expect(ends.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(2);
    } finally {
      await closeSinkTable(db, table);
    }
  });
});
