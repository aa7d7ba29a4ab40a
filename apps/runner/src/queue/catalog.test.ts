import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineJobCatalog, type JobHandlers, type JobPayload } from "./catalog";

const catalog = defineJobCatalog({
  "pipeline.reconcile": { schema: z.object({ version: z.literal("v1"), pipelineId: z.string() }) },
  "node.batch": { schema: z.object({ version: z.literal("v1"), count: z.number().int() }), options: { attempts: 5 } },
});

describe("job catalog", () => {
  it("types each payload from its schema", () => {
    expectTypeOf<JobPayload<typeof catalog, "node.batch">>().toEqualTypeOf<{ version: "v1"; count: number }>();
  });

  it("requires a handler for every job name", () => {
    // @ts-expect-error "node.batch" has no handler: this must not compile.
    const missing: JobHandlers<typeof catalog> = { "pipeline.reconcile": async () => {} };
    const complete: JobHandlers<typeof catalog> = {
      "pipeline.reconcile": async ({ payload }) => void payload.pipelineId,
      "node.batch": async ({ payload }) => void payload.count,
    };
    expect(Object.keys(complete)).toEqual(Object.keys(catalog));
    expect(missing).toBeDefined();
  });
});
