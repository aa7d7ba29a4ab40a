// Catch-up over a skewed multi-partition Kafka topic: partition 0 holds 10 events per second of
// event time, partition 1 one per second, partition 2 two. Read in small batches, partition 1 races
// ahead in event time. The window's watermark must be the minimum over the SOURCE partitions'
// progress (carried through the repartition topic by watermark records), not the newest event time
// of its own input partition: every window is then emitted exactly once, with its exact count.
import { describe, expect, it } from "vitest";
import { createOwnTopic, offsetSum, ownTopic, readAll, startCatchUp, useWorld } from "./engine-world";
import { typeWindow } from "./graphs";
import { eventually, uniqueName } from "./services";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const SPAN_S = 60;
const PER_SECOND = [10, 1, 2];
const TYPES = ["a", "b"];

describe("engine: per-source-partition watermarks", () => {
  const setup = useWorld();

  it("emits each window once with its exact count when source partitions progress at different speeds", async () => {
    const { world } = setup;
    const { name: sourceName, topic: source } = await createOwnTopic(world, "skewed-in", PER_SECOND.length);
    const sinkName = uniqueName("skewed-out");

    // Event times in each partition in order; the last event of each partition (at 65 s) closes
    // every window up to [50 s, 60 s).
    const expected = new Map<string, number>();
    const messages = PER_SECOND.flatMap((rate, partition) => {
      const list = [];
      for (let i = 0; i < SPAN_S * rate; i++) {
        const ts = T0 + Math.floor((i * 1000) / rate);
        const type = TYPES[i % TYPES.length]!;
        const key = `${new Date(T0 + Math.floor((ts - T0) / 10_000) * 10_000).toISOString()}|${type}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
        list.push({
          topic: source,
          partition,
          key: `p${partition}`,
          value: JSON.stringify({ id: `${partition}-${i}`, type, ts: new Date(ts).toISOString() }),
        });
      }
      for (const type of TYPES)
        list.push({
          topic: source,
          partition,
          key: `p${partition}`,
          value: JSON.stringify({ id: `${partition}-close-${type}`, type, ts: new Date(T0 + 65_000).toISOString() }),
        });
      return list;
    });
    const producer = world.kafka.producer({ name: "skewed" });
    await producer.send(messages);
    await producer.close();

    // Small batches, so the sparse partition's batches cover far more event time than the dense one's.
    const { pipeline } = await startCatchUp(setup, "skewed", {
      source: sourceName,
      nodes: [typeWindow("10m", [{ name: "events", function: "count" }])],
      sink: sinkName,
      maxBatchRecords: 10,
    });

    // 6 windows × 2 types; a later emission of any window (a revision) would show up as a 13th record.
    const results = await readAll(world, ownTopic(world, sinkName), expected.size);
    const emitted = results.map(
      (m) =>
        JSON.parse(m.value!.toString()) as {
          windowStart: string;
          type: string;
          events: number;
          revision: number;
          isLateUpdate?: boolean;
        },
    );
    // Once the window stage has committed everything, the output holds exactly one record per window.
    const winTopic = `sluice.${world.workspaceId}.${pipeline.id}.src.out`;
    await eventually(async () =>
      expect(offsetSum(await world.kafka.admin.committedOffsets(`sluice.${pipeline.id}.win`, [winTopic]))).toBe(
        offsetSum(await world.kafka.admin.endOffsets([winTopic])),
      ),
    );
    expect(offsetSum(await world.kafka.admin.endOffsets([ownTopic(world, sinkName)]))).toBe(expected.size);
    expect(emitted.length).toBe(expected.size);
    const got = new Map(emitted.map((e) => [`${e.windowStart}|${e.type}`, e.events]));
    expect(got).toEqual(expected);
    expect(emitted.every((e) => !e.isLateUpdate)).toBe(true);
  });
});
