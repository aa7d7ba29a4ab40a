import type { JsonObject } from "../events/json-value";
import { describe, expect, it } from "vitest";
import { S3SinkConfig } from "../nodes/sinks/s3-sink";
import { groupObjectFiles, objectFileName, parseKeyTemplate, type KeyTemplate } from "./object-files";

function template(source: string): KeyTemplate {
  const parsed = parseKeyTemplate(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.template;
}

describe("object key templates", () => {
  it("renders event-time tokens in UTC and field tokens as safe segments", () => {
    const t = template("events/type={event.type}/dt={yyyy}-{MM}-{dd}/hour={HH}/min={mm}/");
    const at = Date.parse("2026-03-04T05:06:59.999Z");
    expect(t.render({ type: "page_view" }, at)).toBe("events/type=page_view/dt=2026-03-04/hour=05/min=06/");
    // A value never adds folders or escapes the prefix; a missing or non-scalar one is "null".
    expect(t.render({ type: "../a/b c" }, at)).toBe("events/type=.._a_b_c/dt=2026-03-04/hour=05/min=06/");
    expect(t.render({}, at)).toBe("events/type=null/dt=2026-03-04/hour=05/min=06/");
    expect(t.render({ type: { nested: 1 } }, at)).toBe("events/type=null/dt=2026-03-04/hour=05/min=06/");
    expect(t.render({ type: ".." }, at)).toBe("events/type=null/dt=2026-03-04/hour=05/min=06/");
    expect(template("lake/x/").render({}, at)).toBe("lake/x/");
  });

  it("keeps manifests in the folders before the first token", () => {
    expect(template("events/dt={yyyy}/").staticPrefix).toBe("events/");
    expect(template("a/b/{event.type}/").staticPrefix).toBe("a/b/");
    expect(template("{yyyy}/").staticPrefix).toBe("");
    expect(template("lake/").staticPrefix).toBe("lake/");
  });

  it.each([
    ["", "Use 1 to 512"],
    ["/events/", "Must not start with /"],
    ["events/{yyyy}", "Must end with /"],
    ["events/{yyyy/", "Unclosed {"],
    ["events/}{yyyy}/", "Unmatched }"],
    ["events/{YYYY}/", "Unknown token {YYYY}"],
    ["events/{event.}/", "Unknown token {event.}"],
    ["events/{type}/", "Unknown token {type}"],
    ["events/a b/", "use letters, digits"],
    ["events//x/", "Empty, . or .. folder"],
    ["events/../x/", "Empty, . or .. folder"],
    ["_sluice/x/", "reserved"],
  ])("refuses %j", (source, message) => {
    const parsed = parseKeyTemplate(source);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it("reports a bad template as a problem on the node's config", () => {
    const parsed = S3SinkConfig.safeParse({ bucket: "lake", keyTemplate: "events/{yyy}/" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["keyTemplate", expect.stringContaining("Unknown token {yyy}")],
    ]);
    const local = S3SinkConfig.safeParse({ bucket: "lake", endpoint: "http://127.0.0.1:9000" });
    expect(local.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["endpoint", expect.stringContaining("private or local address")],
    ]);
    expect(
      S3SinkConfig.safeParse({ bucket: "lake", endpoint: "http://127.0.0.1:9000", allowPrivateEndpoint: true }).success,
    ).toBe(true);
    // Parquet without columns takes every field known upstream: the graph check decides (check-parquet-columns).
    expect(S3SinkConfig.safeParse({ bucket: "lake", format: "parquet" }).success).toBe(true);
  });
});

describe("object files of a batch", () => {
  const source = { topic: "sluice.ws.p.ingest.out", partition: 3, firstOffset: "100", lastOffset: "149" };

  it("names files after the batch's source offsets, the node and the file's index", () => {
    expect(objectFileName(source, "lake", 0, ".parquet")).toBe("sluice.ws.p.ingest.out+3+100-149+lake+0.parquet");
    expect(objectFileName(source, "lake", 2, ".jsonl.gz")).toBe("sluice.ws.p.ingest.out+3+100-149+lake+2.jsonl.gz");
  });

  it("groups by folder in order of appearance, rolls by records and bytes, rejects events without a time", () => {
    const t = template("e/{HH}/");
    const ev = (i: number, hour: string): JsonObject => ({ id: `e${i}`, timestamp: `2026-01-01T${hour}:00:00Z` });
    const batch: JsonObject[] = [
      ev(1, "10"),
      ev(2, "11"),
      ev(3, "10"),
      { id: "bad" },
      ev(4, "10"),
      ev(5, "11"),
      { id: "num", timestamp: Date.parse("2026-01-01T11:30:00Z") },
    ];
    const byRecords = groupObjectFiles(batch, {
      template: t,
      eventTimeField: "timestamp",
      maxRecords: 2,
      maxBytes: 1e9,
    });
    expect(byRecords.files.map((f) => [f.prefix, f.events.map((e) => e.id)])).toEqual([
      ["e/10/", ["e1", "e3"]],
      ["e/11/", ["e2", "e5"]],
      ["e/10/", ["e4"]],
      ["e/11/", ["num"]],
    ]);
    expect(byRecords.errors.map((e) => [e.event.id, e.error.code])).toEqual([["bad", "s3.no-event-time"]]);
    // Every event is over half the limit: one per file. The same batch always gives the same files.
    const byBytes = groupObjectFiles(batch, {
      template: t,
      eventTimeField: "timestamp",
      maxRecords: 100,
      maxBytes: 60,
    });
    expect(byBytes.files.map((f) => f.events.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(
      groupObjectFiles(batch, { template: t, eventTimeField: "timestamp", maxRecords: 100, maxBytes: 60 }),
    ).toEqual(byBytes);
  });
});
