// The combiner (ENGINE.md "Combiner"): the stage that writes a window's input sends, per batch and
// partition, one record of partials (count and sum per type and window) instead of each event. Over
// a pre-filled 3-partition topic read in small batches, every window must still be emitted once with
// its exact count and sum; an event that arrives after its window's allowed lateness must be counted
// as a dropped late event (the node's output count, as one late event) and change no result.
import { PARTIAL_HEADER } from "@sluice/shared";
import { describe, expect, it } from "vitest";
import { createOwnTopic, offsetSum, ownTopic, readAll, startCatchUp, useWorld } from "./engine-world";
import { typeWindow } from "./graphs";
import { eventually, uniqueName } from "./services";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const PARTITIONS = 3;
const TYPES = ["a", "b", "skip"];

type Result = { windowStart: string; type: string; events: number; total: number; revision: number };

describe("engine: window combiner", () => {
  const setup = useWorld();

  it("emits exact counts and sums from partials, and drops an event beyond the lateness as the window would", async () => {
    const { world } = setup;
    const { name: sourceName, topic: source } = await createOwnTopic(world, "comb-in", PARTITIONS);
    const sinkName = uniqueName("comb-out");

    const expected = new Map<string, { events: number; total: number }>();
    let id = 0;
    const event = (partition: number, type: string, ts: number, count = true) => {
      const amount = (id % 13) + 1;
      const window = new Date(T0 + Math.floor((ts - T0) / 10_000) * 10_000).toISOString();
      if (count && type !== "skip") {
        const e = expected.get(`${window}|${type}`) ?? { events: 0, total: 0 };
        expected.set(`${window}|${type}`, { events: e.events + 1, total: e.total + amount });
      }
      return {
        topic: source,
        partition,
        key: `p${partition}`,
        value: JSON.stringify({ id: `e-${id++}`, type, amount, ts: new Date(ts).toISOString() }),
      };
    };
    // 60 s of event time, in order within each partition, 4–6 events per second per partition; then
    // one event per counted type in every partition at 65 s (closes every window up to [50 s, 60 s)).
    const first = [];
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const rate = 4 + partition;
      for (let i = 0; i < 60 * rate; i++)
        first.push(event(partition, TYPES[i % TYPES.length]!, T0 + Math.floor((i * 1000) / rate)));
      for (const type of ["a", "b"]) first.push(event(partition, type, T0 + 65_000));
    }
    const producer = world.kafka.producer({ name: "combiner-test" });
    await producer.send(first);

    const { running, pipeline } = await startCatchUp(setup, "combiner", {
      source: sourceName,
      nodes: [
        { id: "keep", type: "filter", config: { condition: 'event.type != "skip"' } },
        typeWindow("5s", [
          { name: "events", function: "count" },
          { name: "total", function: "sum", field: "amount" },
        ]),
      ],
      sink: sinkName,
      maxBatchRecords: 40,
    });

    // The windows that end by `ms`: what a watermark past it has emitted.
    const closedBy = (ms: number) =>
      new Map([...expected].filter(([key]) => Date.parse(key.split("|")[0]!) + 10_000 <= ms));
    // 6 windows × 2 types, each emitted once with its exact count and sum.
    const sinkTopic = ownTopic(world, sinkName);
    const firstClosed = closedBy(T0 + 60_000);
    expect(firstClosed.size).toBe(12);
    const results = (await readAll(world, sinkTopic, firstClosed.size)).map(
      (m) => JSON.parse(m.value!.toString()) as Result,
    );
    const got = new Map(results.map((r) => [`${r.windowStart}|${r.type}`, { events: r.events, total: r.total }]));
    expect(got).toEqual(firstClosed);
    expect(results.every((r) => r.revision === 1)).toBe(true);

    // The window's input held partials, not events: far fewer data records than the 780 counted events.
    const winTopic = `sluice.${world.workspaceId}.${pipeline.id}.keep.out`;
    const inputRecords = await readAll(world, winTopic, offsetSum(await world.kafka.admin.endOffsets([winTopic])));
    const partials = inputRecords.filter((m) => m.headers[PARTIAL_HEADER] !== undefined);
    const plain = inputRecords.filter((m) => m.value !== null && m.headers[PARTIAL_HEADER] === undefined);
    expect(plain).toEqual([]);
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.length).toBeLessThan(200);

    // Now an event for [10 s, 20 s) in partition 0: its window closed at 20 s + 5 s of lateness long
    // ago (the watermark is at 64 s). Then one event per type at 75 s in every partition closes [60 s, 70 s).
    const outOf = async () => {
      const metric = await running.registry.getSingleMetric("sluice_node_events_out_total")?.get();
      return metric?.values.find((v) => v.labels["node"] === "win")?.value ?? 0;
    };
    const outBefore = await outOf();
    const late = [event(0, "a", T0 + 12_000, false), event(0, "b", T0 + 13_000, false)];
    const second = [...late];
    for (let partition = 0; partition < PARTITIONS; partition++)
      for (const type of ["a", "b"]) second.push(event(partition, type, T0 + 75_000));
    await producer.send(second);
    await producer.close();

    // [60 s, 70 s) per type (the 65 s events), each once; nothing else, so no window was revised.
    const closed = closedBy(T0 + 70_000);
    expect(closed.size).toBe(14);
    const all = (await readAll(world, sinkTopic, closed.size)).map((m) => JSON.parse(m.value!.toString()) as Result);
    expect(all.length).toBe(closed.size);
    const final = new Map(all.map((r) => [`${r.windowStart}|${r.type}`, { events: r.events, total: r.total }]));
    expect(final).toEqual(closed);
    expect(all.every((r) => r.revision === 1)).toBe(true);
    // The two late events were counted like the window counts dropped late events: as its outputs
    // (the Late port has no edge), next to the two results.
    await eventually(async () => expect((await outOf()) - outBefore).toBe(4));
    expect(offsetSum(await world.kafka.admin.endOffsets([sinkTopic]))).toBe(closed.size);
  });
});
