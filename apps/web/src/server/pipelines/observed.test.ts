import { describe, expect, it } from "vitest";
import type { PipelineGraph } from "@sluice/shared";
import { MASKED, piiMasker, piiRules } from "./observed";

const graph = (nodes: { id: string; type: string; config: Record<string, unknown> }[]) =>
  ({
    nodes: nodes.map((n) => ({ ...n, typeVersion: 1, position: { x: 0, y: 0 } })),
    edges: [],
  }) as unknown as PipelineGraph;

describe("PII fields of a pipeline", () => {
  const g = graph([
    { id: "gen", type: "generator", config: {} },
    {
      id: "m1",
      type: "mask-pii",
      config: {
        rules: [
          { field: "props.email", method: "hash" },
          { field: "context.ip", method: "truncate-ip" },
        ],
      },
    },
    { id: "m2", type: "mask-pii", config: { rules: [{ field: "props.phone", method: "redact" }] } },
  ]);

  it("are the mask-pii nodes' fields plus context.ip; hashing becomes redaction (no salt on the web)", () => {
    expect(piiRules(g)).toEqual([
      { field: "context.ip", method: "truncate-ip" },
      { field: "props.email", method: "redact" },
      { field: "props.phone", method: "redact" },
    ]);
    expect(piiRules(graph([]))).toEqual([{ field: "context.ip", method: "truncate-ip" }]);
  });

  it("are masked with the mask-pii core, leaving other fields and missing ones alone", () => {
    const mask = piiMasker(g);
    const event = {
      id: "e1",
      type: "signup",
      props: { email: "a@b.c", plan: "team" },
      context: { ip: "203.0.113.77" },
    };
    expect(mask(event)).toEqual({
      id: "e1",
      type: "signup",
      props: { email: MASKED, plan: "team" },
      context: { ip: "203.0.113.0" },
    });
    expect(event.props.email).toBe("a@b.c");
    expect(mask({ id: "e2" })).toEqual({ id: "e2" });
    expect(mask("not an object")).toBe(MASKED);
  });
});
