import { describe, expect, it } from "vitest";
import { validateGraph } from "../graph/validate-graph";
import { runPreview } from "../preview/run-preview";
import { pipelineTemplates } from "./index";

describe("pipeline templates", () => {
  it.each(pipelineTemplates.map((t) => [t.id, t] as const))("%s passes validateGraph without any problem", (_id, template) => {
    expect(validateGraph(template.graph)).toEqual([]);
  });

  it("clickstream analytics previews end to end on generated events", async () => {
    const template = pipelineTemplates.find((t) => t.id === "clickstream-analytics")!;
    // Swap the HTTP source for a generator so the preview has data.
    const graph = {
      ...template.graph,
      nodes: template.graph.nodes.map((n) => (n.id === "ingest" ? { ...n, type: "generator", config: { seed: 3, users: 20 } } : n)),
    };
    const preview = await runPreview(graph, { now: Date.parse("2024-05-01T10:00:00Z"), generatorCount: 600, secret: () => "preview-salt" });
    expect(Object.values(preview).every((node) => node.status === "ran")).toBe(true);
    expect(preview.dedup?.outputs.duplicates?.length).toBeGreaterThan(0);
    expect(preview.validate?.errors.length).toBeGreaterThan(0);
    const counts = preview["counts-table"]?.writes as { event_type: string; events: number }[];
    expect(counts.length).toBeGreaterThan(0);
    // Every deduplicated event is counted exactly once across the per-minute rows' final revisions.
    const latest = new Map<string, number>();
    for (const row of counts as unknown as { window_start: string; event_type: string; events: number }[]) latest.set(`${row.window_start}|${row.event_type}`, row.events);
    expect([...latest.values()].reduce((a, b) => a + b, 0)).toBe(preview.mask?.outputs.out?.length);
    expect(preview["sessions-table"]?.writes?.length).toBeGreaterThan(0);
  });
});
