// Exactly-once into stateful stages: when a stateless stage runs its records again (here: its group's
// offsets rewound to the start after everything was processed, the worst case of a crash before a
// commit), the window downstream receives every record a second time and must not count it twice.
// The writer stamps each record with a fence number (source partition, offset, index); the window
// skips numbers it has applied, keeping the highest per stream in its checkpoint.
import { describe, expect, it } from "vitest";
import { deployWindowCount, offsetSum, postIngest, testTopics, useSinkTable, useWorld } from "./engine-world";
import { WINDOW_COUNT_COLUMNS } from "./graphs";
import { eventually } from "./services";
import { DEFAULT_ENGINE_SETTINGS } from "../src/settings";

describe("engine: exactly-once into a window", () => {
  const sink = useSinkTable("eo", WINDOW_COUNT_COLUMNS);
  const setup = useWorld();

  it("does not count records twice when the stage before the window runs them again", async () => {
    const { world } = setup;
    // idlePartitionMs: the closing event below comes from one source partition; the other one, silent
    // since, stops holding the window's watermark after this long.
    const settings = {
      topics: testTopics(2),
      idlePartitionMs: 3000,
      feeder: {
        ...DEFAULT_ENGINE_SETTINGS.feeder,
        maxBatchRecords: 16,
        maxBatchBytes: 2 ** 20,
        lingerMs: 5,
        maxInFlightTotal: 8,
      },
    };
    const first = await setup.start(settings);
    // ingest -> map (its own stage: a topic follows every source) -> [topic] -> window -> Postgres.
    const tag = {
      id: "tag",
      type: "map" as const,
      config: { assignments: [{ target: "tagged", expression: "true" }], drop: [] },
    };
    const ingest = await deployWindowCount(world, "exactly-once", {
      table: sink.table,
      allowedLateness: "0s",
      before: tag,
    });
    const { pipeline } = ingest;

    const base = Date.parse("2026-01-01T00:00:00Z");
    let n = 0;
    const batch = (count: number, at = (i: number) => base + (i % 50) * 1000) =>
      Array.from({ length: count }, () => {
        const i = n++;
        return { id: `eo-${i}`, type: "click", userId: `u-${i % 7}`, timestamp: new Date(at(i)).toISOString() };
      });
    for (let r = 0; r < 6; r++) expect((await postIngest(first, ingest, batch(25))).status).toBe(202);

    const prefix = `sluice.${world.workspaceId}.${pipeline.id}`;
    const [ingestTopic, winTopic] = [`${prefix}.ingest.out`, `${prefix}.tag.out`];
    // The window's topic holds the map stage's combiner partials (one record per partition per batch,
    // ENGINE.md "Combiner") and watermark records: fewer records than events.
    const winEnd = async () => offsetSum(await world.kafka.admin.endOffsets([winTopic]));
    const winCommitted = async () =>
      offsetSum(await world.kafka.admin.committedOffsets(`sluice.${pipeline.id}.win`, [winTopic]));
    const tagCommitted = async () =>
      offsetSum(await world.kafka.admin.committedOffsets(`sluice.${pipeline.id}.tag`, [ingestTopic]));
    // Everything reached the window's topic and every group committed all of it.
    await eventually(async () => {
      expect(await tagCommitted()).toBe(150);
      expect(await winCommitted()).toBe(await winEnd());
    });
    const firstEnd = await winEnd();
    await setup.stop(first, "drain");

    // The map stage's group goes back to the start: it runs all 150 records again (cut into other
    // batches, so the window also applies partials of which it applied a part).
    const starts = await world.kafka.admin.startOffsets([ingestTopic]);
    await world.kafka.admin.setCommittedOffsets(`sluice.${pipeline.id}.tag`, starts);
    const second = await setup.start(settings);
    await eventually(async () => {
      expect(await tagCommitted()).toBe(150);
      expect(await winEnd()).toBeGreaterThan(firstEnd);
    });

    // An event 5 minutes later closes the first window; its count is the 150 events, not 300.
    expect(
      (
        await postIngest(
          second,
          ingest,
          batch(1, () => base + 5 * 60_000),
        )
      ).status,
    ).toBe(202);
    await eventually(
      async () => {
        const rows = await sink.db.query<{ events: string }>(
          `SELECT events FROM ${sink.table} WHERE event_type = 'click' ORDER BY window_id`,
        );
        expect(rows.rows[0]?.events).toBe("150");
      },
      { timeoutMs: 40_000 },
    );
    // And it stays that way once every group caught up.
    await eventually(async () => {
      expect(await tagCommitted()).toBe(151);
      expect(await winCommitted()).toBe(await winEnd());
    });
    const rows = await sink.db.query<{ events: string }>(
      `SELECT events FROM ${sink.table} WHERE event_type = 'click' ORDER BY window_id`,
    );
    expect(rows.rows[0]?.events).toBe("150");
  });
});
