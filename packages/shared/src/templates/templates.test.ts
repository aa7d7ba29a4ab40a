import { describe, expect, it } from "vitest";
import { compilePlan } from "../graph/deployment-plan";
import { validateGraph } from "../graph/validate-graph";
import { runPreview } from "../preview/run-preview";
import { clickstreamAnalyticsTemplate, instantiateTemplate, pipelineTemplates, templateCredentials } from "./index";

describe("pipeline templates", () => {
  it.each(pipelineTemplates.map((t) => [t.id, t] as const))(
    "%s passes validateGraph without any problem",
    (_id, template) => {
      expect(validateGraph(template.graph)).toEqual([]);
    },
  );

  it.each(pipelineTemplates.map((t) => [t.id, t] as const))("%s compiles to a runnable plan", (_id, template) => {
    expect(
      compilePlan({ workspaceId: "ws", workspaceSlug: "ws", pipelineId: "p", graph: template.graph }),
    ).toMatchObject({ ok: true });
  });

  it("clickstream analytics previews end to end on generated events", async () => {
    const template = pipelineTemplates.find((t) => t.id === "clickstream-analytics")!;
    // Swap the HTTP source for a generator so the preview has data.
    const graph = {
      ...template.graph,
      nodes: template.graph.nodes.map((n) =>
        n.id === "ingest" ? { ...n, type: "generator", config: { seed: 3, users: 20 } } : n,
      ),
    };
    const preview = await runPreview(graph, {
      now: Date.parse("2024-05-01T10:00:00Z"),
      generatorCount: 600,
      secret: () => "preview-salt",
    });
    expect(Object.values(preview).every((node) => node.status === "ran")).toBe(true);
    expect(preview.dedup?.outputs.duplicates?.length).toBeGreaterThan(0);
    expect(preview.validate?.errors.length).toBeGreaterThan(0);
    const counts = preview["counts-table"]?.writes as { event_type: string; events: number }[];
    expect(counts.length).toBeGreaterThan(0);
    // Every deduplicated event is counted exactly once across the per-minute rows' final revisions.
    const latest = new Map<string, number>();
    for (const row of counts as unknown as { window_start: string; event_type: string; events: number }[])
      latest.set(`${row.window_start}|${row.event_type}`, row.events);
    expect([...latest.values()].reduce((a, b) => a + b, 0)).toBe(preview.mask?.outputs.out?.length);
    expect(preview["sessions-table"]?.writes?.length).toBeGreaterThan(0);
  });
});

describe("template credentials", () => {
  const template = clickstreamAnalyticsTemplate;
  const known = (secretIds: string[], apiKeyIds: string[]) => ({
    credentials: { secretIds: new Set(secretIds), apiKeyIds: new Set(apiKeyIds) },
  });

  it("lists each placeholder once with every node that uses it", () => {
    const needs = templateCredentials(template);
    expect(needs.map((n) => [n.placeholder, n.kind, n.secretKind])).toEqual([
      ["select-api-key", "api-key", undefined],
      ["select-pii-salt-secret", "secret", "hash-salt"],
      ["select-warehouse-connection", "secret", "postgres"],
    ]);
    expect(needs[2]?.nodes.map((n) => n.id)).toEqual(["counts-table", "sessions-table"]);
  });

  it("placeholders are problems on their nodes until real credentials are bound", () => {
    const problems = validateGraph(template.graph, known(["sec_salt", "sec_pg"], ["key_1"]));
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ["node.unknown-credential", "ingest", "apiKeyId"],
      ["node.unknown-credential", "mask", "saltSecretId"],
      ["node.unknown-credential", "counts-table", "connectionSecretId"],
      ["node.unknown-credential", "sessions-table", "connectionSecretId"],
    ]);
    expect(problems.every((p) => p.severity === "error")).toBe(true);
    const bound = instantiateTemplate(template, {
      credentials: {
        "select-api-key": "key_1",
        "select-pii-salt-secret": "sec_salt",
        "select-warehouse-connection": "sec_pg",
      },
      pathKeySuffix: "x7k2",
    });
    expect(validateGraph(bound, known(["sec_salt", "sec_pg"], ["key_1"]))).toEqual([]);
    expect(bound.nodes.find((n) => n.id === "ingest")?.config).toMatchObject({
      apiKeyId: "key_1",
      pathKey: "web-clickstream-x7k2",
    });
    // A revoked key or deleted secret is as missing as a placeholder.
    expect(validateGraph(bound, known(["sec_salt"], [])).map((p) => p.nodeId)).toEqual([
      "ingest",
      "counts-table",
      "sessions-table",
    ]);
  });
});
