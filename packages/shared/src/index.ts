export * from "./access/permissions";

// Events and topic messages
export * from "./events/json-value";
export * from "./events/field-path";
export * from "./events/duration";
export * from "./events/event-time";
export * from "./events/json-limits";
export * from "./events/ip-address";
export * from "./events/activity-event";
export * from "./events/dead-letter-record";
export * from "./events/topic-message";
export * from "./events/topic-namespace";

// Hashing (browser-safe, synchronous)
export * from "./hash/sha256";
export * from "./hash/hmac-sha256";
export * from "./hash/fnv1a";
export * from "./hash/seeded-random";

// Expressions (CEL)
export * from "./expr/compile-expression";
export * from "./expr/expression-error";
export * from "./expr/source-position";
export * from "./expr/user-regex";
export type { EventPathRef } from "./expr/referenced-fields";

// JSON Schema subset (validate node)
export * from "./json-schema/json-schema-subset";
export * from "./json-schema/validate-json-schema";

// Workspace resources
export * from "./connections/kafka-connection";
export * from "./connections/schema-registry";

// Node types
export * from "./nodes/port";
export * from "./nodes/field-ui";
export * from "./nodes/field-set";
export * from "./nodes/node-descriptor";
export * from "./nodes/config-fields";
export * from "./nodes/registry";
export * from "./nodes/node-ports";
export * from "./nodes/sources/http-ingest";
export * from "./nodes/sources/generator";
export * from "./nodes/sources/kafka-source";
export * from "./nodes/transforms/filter";
export * from "./nodes/transforms/map";
export * from "./nodes/transforms/validate";
export * from "./nodes/transforms/dedup";
export * from "./nodes/transforms/mask-pii";
export * from "./nodes/transforms/enrich";
export * from "./nodes/transforms/key-by";
export * from "./nodes/transforms/route";
export * from "./nodes/transforms/window";
export * from "./nodes/transforms/sessionize";
export * from "./nodes/sinks/postgres-sink";
export * from "./nodes/sinks/redis-sink";
export * from "./nodes/sinks/webhook-sink";
export * from "./nodes/sinks/kafka-sink";
export * from "./nodes/sinks/s3-sink";

// Pipeline graph
export * from "./graph/pipeline-graph";
export * from "./graph/graph-problem";
export * from "./graph/validate-graph";
export type { GraphWorkspace } from "./graph/check-topics";
export * from "./graph/check-credentials";
export * from "./graph/credential-references";
export * from "./graph/graph-order";
export * from "./graph/graph-diff";
export * from "./graph/pipeline-document";
export * from "./graph/pipeline-settings";
export * from "./graph/deployment-plan";
export * from "./graph/plan-acls";
export { cyclicComponents, reachableFrom, topologicalOrder } from "./graph/graph-topology";

// Cores: per-node logic shared by preview and runner
export * from "./cores/core-types";
export * from "./cores/create-core";
export * from "./cores/filter-core";
export * from "./cores/map-core";
export * from "./cores/validate-core";
export * from "./cores/mask-pii-core";
export * from "./cores/key-by-core";
export * from "./cores/route-core";
export * from "./cores/enrich-core";
export * from "./cores/dedup-core";
export * from "./cores/window-core";
export { readPartials, WindowCombiner, windowCombinable } from "./cores/window-partials";
export { eventCount } from "./cores/window-partial-record";
export * from "./cores/sessionize-core";
export * from "./cores/generator-core";
export * from "./cores/http-ingest-core";
export * from "./cores/postgres-rows";
export * from "./cores/redis-commands";
export * from "./cores/kafka-sink-keys";
export * from "./cores/object-files";
export * from "./cores/parquet-columns";
export * from "./cores/webhook-signature";
export * from "./cores/core-fixture";
export type { ClockState } from "./cores/event-time-clock";
export type { EventTimeSlot } from "./cores/event-time-slot";
export type { Accumulator } from "./cores/aggregations";

// Export as Redpanda Connect config
export * from "./export/redpanda-connect";

// Preview and templates
export * from "./preview/run-preview";
export * from "./templates/index";

// Web <-> runner contract: Redis keys, channels, messages, Kafka headers
export * from "./contract/index";
export * from "./metrics/merge-snapshots";
export * from "./metrics/health";
export { chunks } from "./chunks";
