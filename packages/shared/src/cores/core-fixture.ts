import { z } from "zod";
import { JsonObject } from "../events/json-value";
import { getNodeDescriptor, isNodeTypeId, type NodeConfig, type TransformTypeId } from "../nodes/registry";
import type { CoreResult } from "./core-types";
import { createTransformCore } from "./create-core";

/**
 * A golden test case for one transform core, stored as JSON in cores/fixtures/. Batches run in order
 * against one core instance, so stateful behaviour across batches is covered. The runner can replay the
 * same files against its executors to prove they wrap the cores faithfully.
 */
export const CoreFixture = z.object({
  description: z.string(),
  node: z.object({ type: z.string(), typeVersion: z.number().int(), config: JsonObject }),
  /** Batch processing time (epoch ms). */
  now: z.number(),
  /** Secret values by id (mask-pii salt). */
  secrets: z.record(z.string(), z.string()).optional(),
  /** Enrich lookups: key -> row (missing keys are not found). */
  lookupTable: z.record(z.string(), JsonObject).optional(),
  batches: z
    .array(
      z.object({
        input: z.array(JsonObject),
        /** Combined cross-partition watermark passed to stateful cores (ctx.watermark). */
        watermark: z.number().nullable().optional(),
        expected: z.object({
          /** Only ports that emit something; empty ports are omitted. */
          outputs: z.record(z.string(), z.array(JsonObject)),
          errors: z.array(z.object({ event: JsonObject, code: z.string() })).default([]),
          keys: z.record(z.string(), z.array(z.string())).optional(),
          /** Partition watermark reported by stateful cores. */
          watermark: z.number().nullable().optional(),
        }),
      }),
    )
    .min(1),
});
export type CoreFixture = z.infer<typeof CoreFixture>;
export type CoreFixtureOutcome = CoreFixture["batches"][number]["expected"];

/** Runs a fixture through the shared cores, returning per batch what `expected` is compared with. */
export async function runCoreFixture(fixture: CoreFixture): Promise<CoreFixtureOutcome[]> {
  const { type, typeVersion } = fixture.node;
  const descriptor = getNodeDescriptor(type, typeVersion);
  if (!descriptor || !isNodeTypeId(type) || descriptor.category !== "transform")
    throw new Error(`Fixture node ${type}@${typeVersion} is not a transform`);
  const config = descriptor.configSchema.parse(fixture.node.config) as NodeConfig<TransformTypeId>;
  const table = fixture.lookupTable ?? {};
  const created = createTransformCore(type as TransformTypeId, config, {
    secret: (id) => fixture.secrets?.[id],
    lookup: async (keys) => new Map(keys.filter((key) => Object.hasOwn(table, key)).map((key) => [key, table[key]!])),
  });

  const outcomes: CoreFixtureOutcome[] = [];
  for (const batch of fixture.batches) {
    const ctx = batch.watermark === undefined ? { now: fixture.now } : { now: fixture.now, watermark: batch.watermark };
    let result: CoreResult & { watermark?: number | null };
    if (created.kind === "stateless") result = created.core.process(batch.input, ctx);
    else if (created.kind === "async") result = await created.core.process(batch.input, ctx);
    else result = created.core.process(batch.input, ctx);
    outcomes.push(toOutcome(result));
  }
  return outcomes;
}

function toOutcome(result: CoreResult & { watermark?: number | null }): CoreFixtureOutcome {
  const outcome: CoreFixtureOutcome = {
    outputs: Object.fromEntries(Object.entries(result.outputs).filter(([, records]) => records.length > 0)),
    errors: result.errors.map((failure) => ({ event: failure.event, code: failure.error.code })),
  };
  if (result.keys) outcome.keys = Object.fromEntries(Object.entries(result.keys).filter(([, keys]) => keys.length > 0));
  if (result.watermark !== undefined) outcome.watermark = result.watermark;
  return outcome;
}
