// The shared golden fixtures, run through the runner's executors: they wrap the very cores preview
// runs. Stateful cores are checkpointed (JSON round trip) and restored between batches, as the
// runner does per partition, and must still give the expected results.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CoreFixture,
  getNodeDescriptor,
  isNodeTypeId,
  type NodeConfig,
  type NodeTypeId,
  type CoreResult,
} from "@sluice/shared";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "./executors";

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "../../../../packages/shared/src/cores/fixtures");
const files = readdirSync(fixturesDir).filter((f) => f.endsWith(".json"));
const log = pino({ level: "silent" });

describe("runner executors on the shared golden fixtures", () => {
  for (const file of files) {
    const fixture = CoreFixture.parse(JSON.parse(readFileSync(join(fixturesDir, file), "utf8")));
    // enrich needs a live lookup source: test/executors-enrich.integration.test.ts runs it on Postgres.
    if (fixture.node.type === "enrich") continue;
    it(`${file}: ${fixture.description}`, async () => {
      const { type, typeVersion, config } = fixture.node;
      const descriptor = getNodeDescriptor(type, typeVersion);
      if (!descriptor || !isNodeTypeId(type)) throw new Error(`unknown ${type}`);
      const parsed = descriptor.configSchema.parse(config) as NodeConfig<NodeTypeId>;
      const runtime = await createNodeRuntime(type, parsed, {
        workspaceId: "ws",
        pipelineId: "p",
        nodeId: "n",
        log,
        secret: async (id) => fixture.secrets?.[id] ?? "",
        kafka: () => Promise.reject(new Error("no Kafka connections")),
      });
      let state: unknown;
      for (const batch of fixture.batches) {
        const ctx =
          batch.watermark === undefined ? { now: fixture.now } : { now: fixture.now, watermark: batch.watermark };
        let result: CoreResult & { watermark?: number | null };
        if (runtime.kind === "transform") result = await runtime.process(batch.input, ctx);
        else if (runtime.kind === "stateful") {
          const core = runtime.restore(state);
          result = core.process(batch.input, ctx);
          state = JSON.parse(JSON.stringify(core.snapshot()));
        } else throw new Error(`${type} is not a transform`);
        const outputs = Object.fromEntries(Object.entries(result.outputs).filter(([, records]) => records.length > 0));
        expect(outputs).toEqual(batch.expected.outputs);
        expect(result.errors.map((e) => ({ event: e.event, code: e.error.code }))).toEqual(batch.expected.errors);
        if (batch.expected.keys) expect(result.keys).toEqual(batch.expected.keys);
        if (batch.expected.watermark !== undefined) expect(result.watermark).toEqual(batch.expected.watermark);
      }
    });
  }
});
