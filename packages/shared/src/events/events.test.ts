import { describe, expect, it } from "vitest";
import { ActivityEvent, IncomingEvent } from "./activity-event";
import { durationMs, parseDurationMs } from "./duration";
import { toEpochMs } from "./event-time";
import { deletePath, getPath, setPath } from "./field-path";
import { isPrivateAddress, isPrivateHost, parseIPv6, truncateIp } from "./ip-address";
import { JsonValue } from "./json-value";
import {
  decodeDeadLetterHeaders,
  defaultPartitionKey,
  encodeDeadLetterHeaders,
  portTopicName,
  TopicMessageV1,
} from "./topic-message";

describe("field paths", () => {
  const event = { props: { items: [{ sku: "a" }] }, type: "click" };

  it("reads nested values and array indexes", () => {
    expect(getPath(event, "props.items.0.sku")).toBe("a");
    expect(getPath(event, "props.missing.deeper")).toBeUndefined();
    expect(getPath(event, "type.length")).toBeUndefined();
    expect(getPath(event, "constructor")).toBeUndefined();
  });

  it("writes and deletes without mutating the input", () => {
    const updated = setPath(event, "props.total", 3);
    expect(updated).toEqual({ props: { items: [{ sku: "a" }], total: 3 }, type: "click" });
    expect(event.props).not.toHaveProperty("total");
    expect(updated.props !== event.props && (updated.props as { items: unknown }).items === event.props.items).toBe(
      true,
    );
    expect(setPath({ a: 1 }, "a.b", 2)).toEqual({ a: { b: 2 } });
    expect(deletePath(event, "props.items")).toEqual({ props: {}, type: "click" });
    expect(deletePath(event, "props.nope")).toBe(event);
  });
});

describe("durations and event time", () => {
  it("parses durations", () => {
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("2h")).toBe(7_200_000);
    expect(parseDurationMs("1 minute")).toBeUndefined();
    expect(() => durationMs("1w")).toThrow();
  });

  it("reads ISO strings and epoch milliseconds", () => {
    expect(toEpochMs("2024-05-01T10:00:00Z")).toBe(1_714_557_600_000);
    expect(toEpochMs("2024-05-01T12:00:00+02:00")).toBe(1_714_557_600_000);
    expect(toEpochMs(1_714_557_600_000)).toBe(1_714_557_600_000);
    expect(toEpochMs("May 1, 2024")).toBeUndefined();
    expect(toEpochMs("2024-13-45T99:00:00Z")).toBeUndefined();
    expect(toEpochMs(null)).toBeUndefined();
  });

  it("reads toISOString's form as Date.parse does, including the days and hours it rolls over", () => {
    const cases = [
      "2026-12-04T15:59:47.123Z",
      "2024-02-28T23:59:59.999Z",
      "2024-02-29T00:00:00.000Z",
      "2023-02-29T00:00:00.000Z",
      "2026-04-31T12:00:00.000Z",
      "2026-12-04T24:00:00.000Z",
      "2026-12-04T23:59:60.000Z",
      "2026-13-01T00:00:00.000Z",
      "2026-00-01T00:00:00.000Z",
      "2026-01-00T00:00:00.000Z",
      "0099-01-01T00:00:00.000Z",
      "0999-06-15T08:30:00.000Z",
      "1000-01-01T00:00:00.000Z",
      "2026-12-04T15:59:47,123Z",
      "2026-12-04T15:59:47.12aZ",
      "2026-12-04 15:59:47.123Z",
      "+02026-12-04T15:59:47.1Z",
    ];
    for (const text of cases) {
      const parsed = Date.parse(text);
      expect(toEpochMs(text), text).toBe(Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}/.test(text) ? undefined : parsed);
    }
    for (let t = Date.UTC(1000, 0, 1); t < Date.UTC(9999, 11, 31); t += 86_399_999_937)
      expect(toEpochMs(new Date(t).toISOString())).toBe(t);
  });
});

describe("IP addresses", () => {
  it("truncates IPv4 to /24 and IPv6 to /48", () => {
    expect(truncateIp("203.0.113.77")).toBe("203.0.113.0");
    expect(truncateIp("2001:db8:85a3::8a2e:370:7334")).toBe("2001:db8:85a3::");
    expect(truncateIp("::ffff:203.0.113.77")).toBe("0:0:0::");
    expect(truncateIp("localhost")).toBeUndefined();
    expect(truncateIp("256.1.1.1")).toBeUndefined();
  });

  it("parses compressed IPv6 forms", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("1::2::3")).toBeUndefined();
  });

  it("recognises private, loopback, link-local and mapped addresses", () => {
    for (const ip of [
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "127.0.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "64:ff9b::a00:1",
    ]) {
      expect({ ip, private: isPrivateAddress(ip) }).toEqual({ ip, private: true });
    }
    for (const ip of ["8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) {
      expect({ ip, private: isPrivateAddress(ip) }).toEqual({ ip, private: false });
    }
  });

  it("screens hostnames before DNS", () => {
    expect(isPrivateHost("localhost")).toBe(true);
    expect(isPrivateHost("api.localhost")).toBe(true);
    expect(isPrivateHost("metadata.google.internal")).toBe(true);
    expect(isPrivateHost("[::1]")).toBe(true);
    expect(isPrivateHost("intranet")).toBe(true);
    expect(isPrivateHost("hooks.example.com")).toBe(false);
  });
});

describe("event and message schemas", () => {
  it("accepts the canonical envelope and requires a user or anonymous id on input", () => {
    const event = {
      id: "e1",
      type: "click",
      userId: "u1",
      timestamp: 1_714_557_600_000,
      receivedAt: "2024-05-01T10:00:00.000Z",
      props: { a: [1, { b: null }] },
      context: { ip: "1.2.3.4", page: { path: "/" }, app: { build: 7 } },
    };
    expect(ActivityEvent.parse(event)).toEqual(event);
    expect(IncomingEvent.safeParse({ type: "click" }).error?.issues[0]?.path).toEqual(["userId"]);
  });

  it("rejects values JSON cannot carry", () => {
    expect(JsonValue.safeParse({ a: Number.NaN }).success).toBe(false);
    expect(JsonValue.safeParse({ a: undefined }).success).toBe(false);
  });

  it("round-trips dead-letter headers through Kafka string headers", () => {
    const headers = {
      version: "v1" as const,
      errorCode: "schema.invalid",
      errorMessage: "props must be object",
      pipelineId: "p1",
      nodeId: "validate",
      sourceTopic: "sluice.p1.ingest.out",
      sourcePartition: 3,
      sourceOffset: "1042",
      attempt: 1,
      failedAt: "2024-05-01T10:00:00.000Z",
    };
    const encoded = encodeDeadLetterHeaders(headers);
    expect(encoded["x-sluice-source-partition"]).toBe("3");
    expect(decodeDeadLetterHeaders({ ...encoded, unrelated: "x" }).data).toEqual(headers);
    expect(
      TopicMessageV1.parse({ version: "v1", key: "u1", value: { id: "e1" }, deadLetter: headers }).deadLetter?.attempt,
    ).toBe(1);
  });

  it("derives topic names and default keys", () => {
    expect(portTopicName("p1", "filter-1", "out")).toBe("sluice.p1.filter-1.out");
    expect(portTopicName("p1", "filter-1", "error")).toBe("sluice.p1.filter-1.dlq");
    expect(defaultPartitionKey({ userId: null, anonymousId: "anon-1", id: "e1" })).toBe("anon-1");
    expect(defaultPartitionKey({})).toBeNull();
  });
});
