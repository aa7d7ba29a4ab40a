import { describe, expect, it } from "vitest";
import { ingestSourcesOf, updateHandover } from "./handover";

const runtime = (deploymentId: string, pipelineId: string) =>
  ({ spec: { deploymentId, pipelineId } }) as { spec: { deploymentId: string; pipelineId: string } } as never;

describe("redeploy handover for ingest", () => {
  it("keeps a stopping deployment as the ingest source of its pipeline until the new version runs", () => {
    const old = runtime("d1", "p1");
    const handover = new Map();
    updateHandover(handover, [old], new Set(["p1"]));
    expect([...handover.values()]).toEqual([old]);
    // The new version has not started yet: ingest still writes through the old one.
    expect(ingestSourcesOf([], handover)).toEqual([old]);
    // Once it runs, only the new one is a source.
    const next = runtime("d2", "p1");
    expect(ingestSourcesOf([next], handover)).toEqual([next]);
  });

  it("hands nothing over for a pipeline no longer wanted, and drops handovers of pipelines that are not", () => {
    const handover = new Map();
    updateHandover(handover, [runtime("d1", "p1")], new Set(["p2"]));
    expect(handover.size).toBe(0);
    updateHandover(handover, [runtime("d3", "p3")], new Set(["p3"]));
    updateHandover(handover, [], new Set());
    expect(handover.size).toBe(0);
  });
});
