import { deadLetterRecord } from "../events/dead-letter-record";
import { toIso } from "../events/event-time";
import type { EventRecord, JsonValue } from "../events/json-value";
import { graphOrder } from "../graph/graph-order";
import type { PipelineGraph } from "../graph/pipeline-graph";
import { getNodeDescriptor, isNodeTypeId, type NodeConfig, type TransformTypeId } from "../nodes/registry";
import type { CoreFailure, CoreResult } from "../cores/core-types";
import { createTransformCore } from "../cores/create-core";
import type { EnrichLookup } from "../cores/enrich-core";
import { generateEvents } from "../cores/generator-core";
import { normalizeIngestPayload } from "../cores/http-ingest-core";
import { kafkaSinkKeys } from "../cores/kafka-sink-keys";
import { createPostgresRowMapper } from "../cores/postgres-rows";
import { groupObjectFiles, parseKeyTemplate } from "../cores/object-files";
import { createRedisCommandMapper } from "../cores/redis-commands";

export type PreviewOptions = {
  /** Processing time of the preview (epoch ms); generators start their event time here too. */
  now: number;
  /** Input for sources fed from outside (http-ingest bodies, kafka-source records), by node id. */
  sampleEvents?: Record<string, unknown[]>;
  /** Events each generator synthesises. Default 50. */
  generatorCount?: number;
  secret?: (secretId: string) => string | undefined;
  /** Lookup for an enrich node, by node id; `{ unavailable }` says why the node cannot run (e.g. its secret is missing). */
  lookup?: (nodeId: string) => EnrichLookup | { unavailable: string } | undefined;
  /** Fire all open windows and sessions at the end, as if the stream ended. Default true. */
  flush?: boolean;
};

export type NodePreview = {
  status: "ran" | "skipped";
  /** Why a node was skipped (invalid config, missing dependency); downstream of a skipped node, it names that node and its reason. */
  reason?: string;
  inputCount: number;
  outputs: Record<string, EventRecord[]>;
  errors: CoreFailure[];
  /** What a sink would write: Postgres rows, Redis commands, Kafka records, webhook bodies, object folders and events. */
  writes?: JsonValue[];
};

/** Far-future watermark that closes every window when flushing. */
const END_OF_STREAM = Number.MAX_SAFE_INTEGER;

/**
 * Runs a draft graph on sample or generated events through the same cores the runner uses, without
 * Kafka or sinks (enrich reads through `options.lookup`): the designer's "preview" of every node's
 * output. Nodes that cannot run (unknown type, invalid config, on a cycle, no lookup) are reported as
 * skipped with their reason, nodes downstream of them as skipped naming that node and its reason, and
 * the rest still runs, so a half-built pipeline can be previewed.
 */
export async function runPreview(graph: PipelineGraph, options: PreviewOptions): Promise<Record<string, NodePreview>> {
  const results: Record<string, NodePreview> = {};
  // The node whose own problem stopped a skipped node: downstream nodes name it, not just their neighbour.
  const rootCause: Record<string, string> = {};
  const ctx = { now: options.now };
  for (const node of graphOrder(graph)) {
    const incoming = graph.edges.filter((edge) => edge.target === node.id);
    const skippedUpstream = incoming.find((edge) => results[edge.source]?.status !== "ran");
    const descriptor = getNodeDescriptor(node.type, node.typeVersion);
    const parsed = descriptor?.configSchema.safeParse(node.config);
    if (!descriptor || !parsed?.success || !isNodeTypeId(node.type) || skippedUpstream) {
      let reason = !descriptor ? "Unknown node type" : !parsed?.success ? "Invalid config" : "";
      rootCause[node.id] = node.id;
      if (skippedUpstream && !reason) {
        const root = rootCause[skippedUpstream.source] ?? skippedUpstream.source;
        rootCause[node.id] = root;
        // Named as the canvas shows it: its label, else its id.
        const name = graph.nodes.find((n) => n.id === root)?.label || root;
        reason = `Not run: "${name}" was skipped (${results[root]?.reason ?? "not previewed"})`;
      }
      results[node.id] = { status: "skipped", reason, inputCount: 0, outputs: {}, errors: [] };
      continue;
    }
    const input: EventRecord[] = incoming.flatMap((edge) => {
      const upstream = results[edge.source]!;
      if (edge.sourcePort !== "error") return upstream.outputs[edge.sourcePort] ?? [];
      return upstream.errors.map((failure) =>
        deadLetterRecord(failure.event, failure.error, edge.source, toIso(options.now)),
      );
    });
    try {
      results[node.id] = await runNode(node.id, node.type, parsed.data, input, options, ctx);
    } catch (error) {
      rootCause[node.id] = node.id;
      results[node.id] = {
        status: "skipped",
        reason: (error as Error).message,
        inputCount: input.length,
        outputs: {},
        errors: [],
      };
    }
  }
  return results;
}

async function runNode(
  nodeId: string,
  type: string,
  config: unknown,
  input: EventRecord[],
  options: PreviewOptions,
  ctx: { now: number },
): Promise<NodePreview> {
  const ran = (result: CoreResult, writes?: JsonValue[]): NodePreview => ({
    status: "ran",
    inputCount: input.length,
    outputs: result.outputs,
    errors: result.errors,
    ...(writes ? { writes } : {}),
  });
  switch (type) {
    case "generator":
      return ran({
        outputs: {
          out: generateEvents(config as NodeConfig<"generator">, {
            startTimeMs: options.now,
            fromIndex: 0,
            count: options.generatorCount ?? 50,
          }),
        },
        errors: [],
      });
    case "http-ingest": {
      let index = 0;
      const ingest = normalizeIngestPayload(options.sampleEvents?.[nodeId] ?? [], config as NodeConfig<"http-ingest">, {
        receivedAt: options.now,
        newId: () => `preview-${nodeId}-${index++}`,
      });
      if (!ingest.ok) throw new Error(ingest.message);
      return ran({
        outputs: { out: ingest.accepted },
        errors: ingest.rejected.map((r) => ({
          event: r.event,
          error: { code: "ingest.invalid", message: r.issues.map((i) => `${i.path}: ${i.message}`).join("; ") },
        })),
      });
    }
    case "kafka-source":
      return ran({ outputs: { out: (options.sampleEvents?.[nodeId] ?? []) as EventRecord[] }, errors: [] });
    case "postgres-sink": {
      const mapper = createPostgresRowMapper(config as NodeConfig<"postgres-sink">);
      const { rows, errors } = mapper.map(input, ctx);
      return ran(
        { outputs: {}, errors },
        rows.map((row) => Object.fromEntries(mapper.columns.map((column, i) => [column, row.values[i] ?? null]))),
      );
    }
    case "redis-sink": {
      const { commands, errors } = createRedisCommandMapper(config as NodeConfig<"redis-sink">).map(input, ctx);
      return ran({ outputs: {}, errors }, commands);
    }
    case "kafka-sink": {
      const result = kafkaSinkKeys(config as NodeConfig<"kafka-sink">)(input, ctx);
      const keys = result.keys?.out;
      return ran(
        { outputs: {}, errors: result.errors },
        (result.outputs.out ?? []).map((value, i) => ({ key: keys?.[i] ?? null, value })),
      );
    }
    case "webhook-sink":
      return ran({ outputs: {}, errors: [] }, input);
    case "s3-sink": {
      const s3 = config as NodeConfig<"s3-sink">;
      const template = parseKeyTemplate(s3.keyTemplate);
      if (!template.ok) throw new Error(template.message);
      const { files, errors } = groupObjectFiles(input, {
        template: template.template,
        eventTimeField: s3.eventTimeField,
        maxRecords: s3.maxRecordsPerFile,
        maxBytes: s3.maxBytesPerFile,
      });
      return ran(
        { outputs: {}, errors },
        files.flatMap((file) => file.events.map((event) => ({ folder: file.prefix, event }))),
      );
    }
    default:
      return runTransform(nodeId, type as TransformTypeId, config, input, options, ctx, ran);
  }
}

async function runTransform(
  nodeId: string,
  type: TransformTypeId,
  config: unknown,
  input: EventRecord[],
  options: PreviewOptions,
  ctx: { now: number },
  ran: (result: CoreResult) => NodePreview,
): Promise<NodePreview> {
  const lookup = options.lookup?.(nodeId);
  if (lookup && "unavailable" in lookup) throw new Error(`Needs its lookup (${lookup.unavailable})`);
  const created = createTransformCore(type, config as NodeConfig<typeof type>, {
    ...(options.secret ? { secret: options.secret } : {}),
    ...(lookup ? { lookup } : {}),
  });
  if (created.kind === "stateless") return ran(created.core.process(input, ctx));
  if (created.kind === "async") return ran(await created.core.process(input, ctx));
  const result = created.core.process(input, ctx);
  if (options.flush === false) return ran(result);
  const flushed = created.core.process([], { ...ctx, watermark: END_OF_STREAM });
  const outputs = { ...result.outputs };
  for (const [port, records] of Object.entries(flushed.outputs)) outputs[port] = [...(outputs[port] ?? []), ...records];
  return ran({ outputs, errors: [...result.errors, ...flushed.errors] });
}
