import type { z } from "zod";
import type { NodeDescriptor } from "./node-descriptor";
import { postgresSinkNode } from "./sinks/postgres-sink";
import { redisSinkNode } from "./sinks/redis-sink";
import { webhookSinkNode } from "./sinks/webhook-sink";
import { kafkaSinkNode } from "./sinks/kafka-sink";
import { s3SinkNode, s3SinkNodeV1 } from "./sinks/s3-sink";
import { generatorNode } from "./sources/generator";
import { httpIngestNode } from "./sources/http-ingest";
import { kafkaSourceNode } from "./sources/kafka-source";
import { dedupNode } from "./transforms/dedup";
import { enrichNode } from "./transforms/enrich";
import { filterNode } from "./transforms/filter";
import { keyByNode } from "./transforms/key-by";
import { mapNode } from "./transforms/map";
import { maskPiiNode } from "./transforms/mask-pii";
import { routeNode } from "./transforms/route";
import { sessionizeNode } from "./transforms/sessionize";
import { validateNode } from "./transforms/validate";
import { windowNode } from "./transforms/window";

/**
 * Every node type, keyed by its id. The runner defines `{ [K in NodeTypeId]: Executor<K> }` over this
 * map, so adding a descriptor without an executor fails to compile. The palette lists them in this
 * order.
 */
export const nodeRegistry = {
  "http-ingest": httpIngestNode,
  generator: generatorNode,
  "kafka-source": kafkaSourceNode,
  filter: filterNode,
  map: mapNode,
  validate: validateNode,
  dedup: dedupNode,
  "mask-pii": maskPiiNode,
  enrich: enrichNode,
  "key-by": keyByNode,
  route: routeNode,
  window: windowNode,
  sessionize: sessionizeNode,
  "postgres-sink": postgresSinkNode,
  "redis-sink": redisSinkNode,
  "webhook-sink": webhookSinkNode,
  "kafka-sink": kafkaSinkNode,
  "s3-sink": s3SinkNode,
} as const satisfies { [K in string]: NodeDescriptor<K, z.ZodType> };

export type NodeRegistry = typeof nodeRegistry;
export type NodeTypeId = keyof NodeRegistry;
export type NodeDescriptorOf<K extends NodeTypeId> = NodeRegistry[K];
/** A node's config after parsing (defaults applied): what executors and cores receive. */
export type NodeConfig<K extends NodeTypeId> = z.output<NodeRegistry[K]["configSchema"]>;
/** A node's config as stored in a graph (defaults may be omitted). */
export type NodeConfigInput<K extends NodeTypeId> = z.input<NodeRegistry[K]["configSchema"]>;

export const NODE_TYPE_IDS = Object.keys(nodeRegistry) as NodeTypeId[];

export function isNodeTypeId(type: string): type is NodeTypeId {
  return Object.hasOwn(nodeRegistry, type);
}

/** Ids of one category, as a type: e.g. `NodeTypeIdIn<"transform">`. */
export type NodeTypeIdIn<C extends NodeDescriptor["category"]> = {
  [K in NodeTypeId]: NodeRegistry[K]["category"] extends C ? K : never;
}[NodeTypeId];

/**
 * Earlier versions of node types whose config changed meaning, so nodes saved with them keep it. Each
 * parses to the same config shape as the current version (the runner has one executor per type); a
 * saved node keeps the version it was created with; the palette adds current versions.
 */
const previousVersions: { readonly [K in NodeTypeId]?: readonly NodeDescriptor<K>[] } = {
  "s3-sink": [s3SinkNodeV1],
};

/** The descriptor for a saved node (current or a previous version), or undefined when the type or version is unknown. */
export function getNodeDescriptor(type: string, typeVersion: number): NodeDescriptor | undefined {
  if (!isNodeTypeId(type)) return undefined;
  const descriptor: NodeDescriptor = nodeRegistry[type];
  if (descriptor.typeVersion === typeVersion) return descriptor;
  return previousVersions[type]?.find((d) => d.typeVersion === typeVersion);
}

export type SourceTypeId = NodeTypeIdIn<"source">;
export type TransformTypeId = NodeTypeIdIn<"transform">;
export type SinkTypeId = NodeTypeIdIn<"sink">;
