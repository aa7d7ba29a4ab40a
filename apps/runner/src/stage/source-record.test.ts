import { describe, expect, it } from "vitest";
import { KafkaSourceConfig } from "@sluice/shared";
import { CONTEXT_HEADER_LIMITS, CONTEXT_NOT_OBJECT_CODE, contextHeaders, sourceRecordEnricher } from "./source-record";

const config = (extra: Record<string, unknown>) => KafkaSourceConfig.parse({ topic: "orders", ...extra });

describe("kafka-source key and headers", () => {
  it("adds nothing unless asked", () => {
    expect(sourceRecordEnricher(config({}))).toBeUndefined();
  });

  it("puts the key, as text, into the named field (null without a key), replacing the value's", () => {
    const enrich = sourceRecordEnricher(config({ keyField: "props.orderKey" }))!;
    const value = { id: "e1", props: { orderKey: "from-value", n: 1 } };
    expect(enrich(value, { k: "order-7" })).toEqual({ event: { id: "e1", props: { orderKey: "order-7", n: 1 } } });
    expect(enrich({ id: "e2" }, { k: null })).toEqual({ event: { id: "e2", props: { orderKey: null } } });
    // The input is never mutated (cores share it).
    expect(value.props.orderKey).toBe("from-value");
  });

  it("copies headers into context.headers next to the value's context, always present when on", () => {
    const enrich = sourceRecordEnricher(config({ headersToContext: true, keyField: "kafkaKey" }))!;
    expect(
      enrich({ id: "e1", context: { ip: "203.0.113.9" } }, { k: "u1", h: { traceparent: "00-ab", tenant: "t1" } }),
    ).toEqual({
      event: {
        id: "e1",
        kafkaKey: "u1",
        context: { ip: "203.0.113.9", headers: { traceparent: "00-ab", tenant: "t1" } },
      },
    });
    expect(enrich({ id: "e2", context: null }, { k: null })).toEqual({
      event: { id: "e2", kafkaKey: null, context: { headers: {} } },
    });
  });

  it("dead-letters a record whose context is not an object instead of overwriting it", () => {
    const enrich = sourceRecordEnricher(config({ headersToContext: true }))!;
    expect(enrich({ id: "e1", context: "mobile" }, { k: null, h: { a: "1" } })).toEqual({
      error: { code: CONTEXT_NOT_OBJECT_CODE, message: expect.stringContaining("not an object") },
    });
  });

  it("bounds the headers: Sluice's own and oversized ones are left out, at most 32 kept", () => {
    const headers: Record<string, string> = {
      "x-sluice-src": "7:1",
      "x-sluice-replay-node": "map",
      ["n".repeat(CONTEXT_HEADER_LIMITS.nameLength + 1)]: "long name",
      big: "v".repeat(CONTEXT_HEADER_LIMITS.valueLength + 1),
      edge: "v".repeat(CONTEXT_HEADER_LIMITS.valueLength),
      ["__proto__"]: "not a prototype",
    };
    for (let i = 0; i < 40; i++) headers[`h${i}`] = String(i);
    const kept = contextHeaders(headers);
    expect(Object.keys(kept)).toHaveLength(CONTEXT_HEADER_LIMITS.count);
    expect(kept["edge"]).toHaveLength(CONTEXT_HEADER_LIMITS.valueLength);
    expect(Object.hasOwn(kept, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(Object.keys(kept).some((name) => name.startsWith("x-sluice-") || name === "big")).toBe(false);
    expect(Object.keys(kept).at(-1)).toBe("h29");
  });
});
