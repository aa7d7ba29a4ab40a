import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { FieldUi } from "./field-ui";
import { outputPortsFor } from "./node-ports";
import type { NodeDescriptor } from "./node-descriptor";
import { getNodeDescriptor, NODE_TYPE_IDS, nodeRegistry } from "./registry";

const descriptors: NodeDescriptor[] = Object.values(nodeRegistry);

describe("node registry", () => {
  it("has the full catalog, keyed by each descriptor's own type", () => {
    expect(NODE_TYPE_IDS).toEqual([
      "http-ingest",
      "generator",
      "kafka-source",
      "filter",
      "map",
      "validate",
      "dedup",
      "mask-pii",
      "enrich",
      "key-by",
      "route",
      "window",
      "sessionize",
      "postgres-sink",
      "redis-sink",
      "webhook-sink",
      "kafka-sink",
      "s3-sink",
    ]);
    for (const [key, descriptor] of Object.entries(nodeRegistry)) expect(descriptor.type).toBe(key);
  });

  it.each(descriptors.map((d) => [d.type, d] as const))("%s: example config is valid", (_type, descriptor) => {
    const parsed = descriptor.configSchema.safeParse(descriptor.example);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each(descriptors.map((d) => [d.type, d] as const))(
    "%s: is documented for the palette and forms",
    (_type, descriptor) => {
      expect(descriptor.label.length).toBeGreaterThan(0);
      expect(descriptor.description.length).toBeGreaterThan(20);
      expect(descriptor.icon).toMatch(/^[a-z-]+$/);
      // Every top-level config field carries a title and a widget for the form generator.
      const jsonSchema = z.toJSONSchema(descriptor.configSchema, { io: "input", unrepresentable: "any" }) as {
        properties?: Record<string, Partial<FieldUi> & { anyOf?: unknown }>;
      };
      for (const [field, property] of Object.entries(jsonSchema.properties ?? {})) {
        expect({ field, title: typeof property.title, widget: typeof property.widget }).toEqual({
          field,
          title: "string",
          widget: "string",
        });
      }
    },
  );

  it("gives every processing node an error port, and sources none as input", () => {
    for (const descriptor of descriptors) {
      const ports =
        outputPortsFor({ type: descriptor.type, typeVersion: descriptor.typeVersion, config: descriptor.example }) ??
        [];
      if (descriptor.category !== "source") expect(ports.map((p) => p.name)).toContain("error");
      if (descriptor.category === "source") expect(descriptor.inputs).toEqual([]);
      else expect(descriptor.inputs.map((p) => p.name)).toEqual(["in"]);
      if (descriptor.category === "sink") expect(ports.map((p) => p.name)).toEqual(["error"]);
    }
  });

  it("marks dedup, window and sessionize as stateful", () => {
    expect(descriptors.filter((d) => d.stateful).map((d) => d.type)).toEqual(["dedup", "window", "sessionize"]);
  });

  it("derives route output ports from its config", () => {
    const ports = outputPortsFor({
      type: "route",
      typeVersion: 1,
      config: { routes: [{ port: "vip", label: "VIP", condition: "true" }], defaultPort: "rest" },
    });
    expect(ports?.map((p) => [p.name, p.label])).toEqual([
      ["vip", "VIP"],
      ["rest", "Otherwise"],
      ["error", "Errors"],
    ]);
  });

  it("resolves descriptors by type and version only", () => {
    expect(getNodeDescriptor("filter", 1)?.type).toBe("filter");
    expect(getNodeDescriptor("filter", 2)).toBeUndefined();
    expect(getNodeDescriptor("toString", 1)).toBeUndefined();
    // A previous version stays loadable for nodes saved with it, with the current one's shape.
    expect(getNodeDescriptor("s3-sink", nodeRegistry["s3-sink"].typeVersion)).toBe(nodeRegistry["s3-sink"]);
    const v1 = getNodeDescriptor("s3-sink", 1);
    expect(v1).toMatchObject({ type: "s3-sink", typeVersion: 1, category: "sink" });
    expect(v1?.configSchema.safeParse(nodeRegistry["s3-sink"].example).success).toBe(true);
    expect(getNodeDescriptor("s3-sink", 3)).toBeUndefined();
  });

  it("applies documented defaults", () => {
    expect(nodeRegistry.dedup.configSchema.parse({})).toEqual({
      key: "event.id",
      window: "10m",
      eventTimeField: "timestamp",
    });
    expect(nodeRegistry["key-by"].configSchema.parse({})).toMatchObject({
      key: "event.userId",
      partitions: 12,
      saltBuckets: 1,
    });
  });

  it("validates cross-field rules", () => {
    const issues = (type: keyof typeof nodeRegistry, config: unknown) =>
      (nodeRegistry[type].configSchema as z.ZodType).safeParse(config).error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(issues("mask-pii", { rules: [{ field: "props.email", method: "hash" }] })).toEqual(["saltSecretId"]);
    expect(
      issues("postgres-sink", {
        connectionSecretId: "s",
        table: "t",
        mode: "upsert",
        columns: [{ column: "a", expression: "1" }],
      }),
    ).toEqual(["keyColumns"]);
    expect(issues("webhook-sink", { url: "http://169.254.169.254/latest/meta-data" })).toEqual(["url"]);
    expect(issues("webhook-sink", { url: "http://169.254.169.254/latest", allowPrivateAddresses: true })).toEqual([]);
    expect(
      issues("route", {
        routes: [
          { port: "error", condition: "true" },
          { port: "a", condition: "true" },
          { port: "a", condition: "true" },
        ],
      }),
    ).toEqual(["routes.0.port", "routes.2.port"]);
    expect(
      issues("window", {
        kind: "hopping",
        size: "1m",
        slide: "500ms",
        aggregations: [{ name: "windowId", function: "count" }],
      }),
    ).toEqual(["slide", "aggregations.0.name"]);
    expect(issues("redis-sink", { connectionSecretId: "s", keyTemplate: "k", mode: "hash" })).toEqual(["field"]);
    expect(issues("sessionize", { inactivityGap: "2h", maxDuration: "1h" })).toEqual(["maxDuration"]);
  });
});
