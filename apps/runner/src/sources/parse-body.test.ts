import { describe, expect, it } from "vitest";
import { parseBody } from "./ingest-route";

describe("parseBody", () => {
  it("reads a JSON document, with or without surrounding whitespace of any kind", () => {
    expect(parseBody('[{"type":"a"}]')).toEqual({ ok: true, value: [{ type: "a" }] });
    expect(parseBody('\n  {"type":"a"}\r\n')).toEqual({ ok: true, value: { type: "a" } });
    expect(parseBody('\u00a0{"type":"a"}\u00a0')).toEqual({ ok: true, value: { type: "a" } });
  });

  it("reads NDJSON, one event per non-empty line", () => {
    expect(parseBody('{"type":"a"}\n\n{"type":"b"}\n')).toEqual({ ok: true, value: [{ type: "a" }, { type: "b" }] });
  });

  it("refuses empty and malformed bodies with a reason", () => {
    expect(parseBody(" \n\t")).toEqual({ ok: false, reason: "empty body" });
    expect(parseBody('{"type":"a"}\n{"type":')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^NDJSON line 2 is not JSON/),
    });
    expect(parseBody("{nope")).toMatchObject({ ok: false, reason: expect.stringMatching(/^body is not JSON/) });
  });
});
