// Compiles a deployed PipelineGraph into what the runner materialises: topics and stages (shared
// with the web app, which reads the deployed plan for live edges, the tap and dead-letter replay). A stage is a
// chain of nodes fused into one worker step (operator chaining); every edge that is not fused is a
// topic. The plan is pure data, so it is unit-tested and identical on every runner process.
import { deadLetterTopicName, portTopicName } from "../events/topic-message";
import { internalTopicPrefix, workspaceTopicName, workspaceTopicPrefix } from "../events/topic-namespace";
import { getNodeDescriptor, isNodeTypeId, type NodeConfig, type NodeTypeId } from "../nodes/registry";
import { hasErrors } from "./graph-problem";
import { type PipelineEdge, PipelineGraph } from "./pipeline-graph";
import type { PipelineSettings } from "./pipeline-settings";
import { inputFieldsOf, validateGraph } from "./validate-graph";
import { resolveParquetColumns } from "../cores/parquet-columns";
import { OPEN_FIELDS } from "../nodes/field-set";

export type TopicSettings = {
  /** Default 6. */
  partitions: number;
  /** Default 1 (one local broker); 3 in production. */
  replicationFactor: number;
  /** Default 7 days. */
  retentionMs: number;
};

export const DEFAULT_TOPIC_SETTINGS: TopicSettings = {
  partitions: 6,
  replicationFactor: 1,
  retentionMs: 7 * 24 * 3600 * 1000,
};

/** A pipeline's own topic settings over the runner's defaults (fields it leaves out are not overridden). */
export function topicOverrides(settings: PipelineSettings): Partial<TopicSettings> {
  const { partitions, replicationFactor, retentionHours } = settings.topics;
  return {
    ...(partitions !== undefined ? { partitions } : {}),
    ...(replicationFactor !== undefined ? { replicationFactor } : {}),
    ...(retentionHours !== undefined ? { retentionMs: Math.round(retentionHours * 3600 * 1000) } : {}),
  };
}

export type PlanTopic = {
  name: string;
  /** The node and port that write it. */
  nodeId: string;
  port: string;
  /** `sink`: a kafka-sink's destination, created if missing (brokers may refuse auto-creation). */
  kind: "edge" | "dlq" | "sink";
  /** Created by the runner when missing; kafka-source topics and topics on a connection are never created. */
  managed: boolean;
  /** On this workspace Kafka connection's cluster; absent: on Sluice's cluster. */
  connectionId?: string;
};

/** How records written to a topic are keyed, decided by the topic's consumers. */
export type TopicKeying =
  | { kind: "default" }
  /** The window reading this topic needs each group in one partition: key = WindowCore.groupKeyOf. */
  | { kind: "window-group"; nodeId: string }
  /** Sessionize reads per user: key = its userKey expression. */
  | { kind: "session-user"; nodeId: string };

/** A kafka-source's or kafka-sink's `config.topic` is the broker's name (`ws.<slug>.<name>` on Sluice's cluster). */
export type PlanNode = { id: string; type: NodeTypeId; config: NodeConfig<NodeTypeId> };

/** Where one output port of a node in a stage goes. */
export type PortRoute = {
  /** Fused: handed to the next node of the same stage in memory. */
  next?: string;
  /** Written to this topic (edges across a stage boundary, and every error port: the DLQ). */
  topic?: string;
};

export type Stage = {
  /** The head node's id: stable across versions, so a redeploy resumes in the same consumer group. */
  id: string;
  groupId: string;
  /** Fused nodes in processing order; nodes[0] consumes the input topics. */
  nodes: PlanNode[];
  /** Topics the head consumes. For kafka-source this is the external topic. */
  inputTopics: string[];
  /** A kafka-source stage reading through a workspace Kafka connection. */
  connectionId?: string;
  /** Input topics that are dead-letter topics (an `error` port wired to this stage). */
  deadLetterInputs: string[];
  /** Per node id, per output port. Ports without a route are dropped (nothing wired). */
  routes: Record<string, Record<string, PortRoute>>;
  stateful: boolean;
};

export type Plan = {
  pipelineId: string;
  workspaceId: string;
  workspaceSlug: string;
  topics: PlanTopic[];
  keying: Record<string, TopicKeying>;
  stages: Stage[];
  /** Sources the runner drives itself (no input topic). */
  ingest: { nodeId: string; pathKey: string; topic: string; dlq: string; config: NodeConfig<"http-ingest"> }[];
  generators: { nodeId: string; topic: string; config: NodeConfig<"generator"> }[];
  /** Every graph edge with the topic that carries it, or null when it is fused (live metrics, canvas). */
  edges: { id: string; source: string; target: string; topic: string | null }[];
  settings: TopicSettings;
};

/** Every node of the plan: stage members and the sources the runner drives itself. */
export function planNodeIds(plan: Plan): string[] {
  return [
    ...plan.stages.flatMap((s) => s.nodes.map((n) => n.id)),
    ...plan.ingest.map((i) => i.nodeId),
    ...plan.generators.map((g) => g.nodeId),
  ];
}

/** A refusal names the nodes concerned (`nodeIds`), like a graph problem, so the editor can point at them. */
export type PlanResult = { ok: true; plan: Plan } | { ok: false; reason: string; nodeIds?: string[] };

/** The `pipelineId` argument of portTopicName: topic names carry both workspace and pipeline. */
export const topicScope = (workspaceId: string, pipelineId: string) => `${workspaceId}.${pipelineId}`;

export const consumerGroupId = (pipelineId: string, stageId: string) => `sluice.${pipelineId}.${stageId}`;

/**
 * The consumer group a kafka-source's stage reads with: the pipeline's own (`consumerGroupId`) unless
 * the node names one. On Sluice's cluster a named group lives in the workspace's namespace
 * (`ws.<slug>.<name>`, so no other workspace's group is reachable); through a connection it is used
 * exactly as named, so the team's own tooling sees it.
 */
export function sourceGroupId(input: {
  pipelineId: string;
  nodeId: string;
  workspaceSlug: string;
  config: { consumerGroup?: string | undefined; connectionId?: string | undefined };
}): string {
  const { consumerGroup, connectionId } = input.config;
  if (!consumerGroup) return consumerGroupId(input.pipelineId, input.nodeId);
  return connectionId ? consumerGroup : workspaceTopicName(input.workspaceSlug, consumerGroup);
}

/** Where a kafka-source or kafka-sink's topic lives: this workspace's namespace, or a connection's cluster as named. */
function userTopic(
  config: { topic: string; connectionId?: string | undefined },
  workspaceSlug: string,
): { name: string; connectionId?: string } {
  return config.connectionId
    ? { name: config.topic, connectionId: config.connectionId }
    : { name: workspaceTopicName(workspaceSlug, config.topic) };
}

export function compilePlan(input: {
  workspaceId: string;
  /** Names the workspace's topic namespace on Sluice's cluster (`ws.<slug>.`). */
  workspaceSlug: string;
  pipelineId: string;
  graph: unknown;
  settings?: Partial<TopicSettings>;
  /** The workspace's Kafka connections; when given, a node naming another is refused. */
  connectionIds?: readonly string[];
}): PlanResult {
  const workspace = {
    slug: input.workspaceSlug,
    ...(input.connectionIds ? { connectionIds: input.connectionIds } : {}),
  };
  const problems = validateGraph(input.graph, workspace).filter((p) => p.severity === "error");
  if (hasErrors(problems)) {
    return {
      ok: false,
      reason: `invalid graph: ${problems
        .slice(0, 5)
        .map((p) => p.message)
        .join("; ")}`,
      nodeIds: [...new Set(problems.flatMap((p) => (p.nodeId ? [p.nodeId] : [])))],
    };
  }
  const graph = PipelineGraph.parse(input.graph);
  const scope = topicScope(input.workspaceId, input.pipelineId);
  const settings = { ...DEFAULT_TOPIC_SETTINGS, ...input.settings };

  const nodes = new Map<string, PlanNode & { category: string; stateful: boolean }>();
  const parquet = graph.nodes.some((n) => n.type === "s3-sink" && n.config["format"] === "parquet");
  const inputFields = parquet ? inputFieldsOf(graph) : undefined;
  for (const node of graph.nodes) {
    const descriptor = getNodeDescriptor(node.type, node.typeVersion);
    if (!descriptor || !isNodeTypeId(node.type))
      return { ok: false, reason: `unknown node type ${node.type}@${node.typeVersion}`, nodeIds: [node.id] };
    let config = descriptor.configSchema.parse(node.config) as NodeConfig<NodeTypeId>;
    if (node.type === "kafka-source" || node.type === "kafka-sink") {
      config = {
        ...config,
        topic: userTopic(config as NodeConfig<"kafka-sink">, input.workspaceSlug).name,
      } as NodeConfig<NodeTypeId>;
    }
    // Parquet columns as the runner writes them: listed or derived, each with its type decided here
    // from the fields known upstream, so every runner process writes the same schema.
    if (node.type === "s3-sink" && (config as NodeConfig<"s3-sink">).format === "parquet") {
      const s3 = config as NodeConfig<"s3-sink">;
      const resolved = resolveParquetColumns(s3.columns, inputFields?.get(node.id) ?? OPEN_FIELDS);
      if (!resolved.ok) return { ok: false, reason: resolved.message, nodeIds: [node.id] };
      config = {
        ...s3,
        columns: resolved.columns.map(({ name, field, type }) => ({ name, field, type })),
      } as NodeConfig<NodeTypeId>;
    }
    nodes.set(node.id, {
      id: node.id,
      type: node.type,
      config,
      category: descriptor.category,
      stateful: descriptor.stateful,
    });
  }
  const outgoing = new Map<string, PipelineEdge[]>();
  const incoming = new Map<string, PipelineEdge[]>();
  for (const edge of graph.edges) {
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge]);
    incoming.set(edge.target, [...(incoming.get(edge.target) ?? []), edge]);
  }
  const node = (id: string) => {
    const found = nodes.get(id);
    if (!found) throw new Error(`edge refers to unknown node ${id}`);
    return found;
  };

  // An edge is fused when it is the only way out of a stateless, key-preserving node that runs in a
  // stage (a transform, or a kafka-source: its stage reads the user's topic directly, no copy) and the
  // only way into a stateless node (transform or sink). Everything else is a topic. HTTP ingest and
  // generators are written by the runner itself, so a topic always follows them.
  const fused = (edge: PipelineEdge): boolean => {
    if (edge.forceTopic || edge.sourcePort === "error") return false;
    const from = node(edge.source);
    const to = node(edge.target);
    if ((from.category === "source" && from.type !== "kafka-source") || from.stateful || from.type === "key-by")
      return false;
    if (to.category === "source" || to.stateful) return false;
    const outs = (outgoing.get(edge.source) ?? []).filter((e) => e.sourcePort !== "error");
    if (outs.length !== 1) return false;
    return (incoming.get(edge.target) ?? []).length === 1;
  };

  const topics = new Map<string, PlanTopic>();
  const addTopic = (topic: PlanTopic) => void topics.set(topic.name, topic);
  const topicOf = (edge: PipelineEdge) => portTopicName(scope, edge.source, edge.sourcePort);

  // Every node with an error port gets its dead-letter topic, wired or not: the inbox reads them all.
  for (const n of nodes.values()) {
    const descriptor = getNodeDescriptor(n.type, graph.nodes.find((g) => g.id === n.id)!.typeVersion)!;
    const hasErrorPort = (
      descriptor.dynamicOutputs ? descriptor.dynamicOutputs(n.config as never) : descriptor.outputs
    ).some((p) => p.name === "error");
    if (hasErrorPort)
      addTopic({ name: deadLetterTopicName(scope, n.id), nodeId: n.id, port: "error", kind: "dlq", managed: true });
  }
  for (const edge of graph.edges) {
    if (!fused(edge))
      addTopic({
        name: topicOf(edge),
        nodeId: edge.source,
        port: edge.sourcePort,
        kind: edge.sourcePort === "error" ? "dlq" : "edge",
        managed: true,
      });
  }

  // Keying per topic, from its consumers.
  const keying: Record<string, TopicKeying> = {};
  for (const edge of graph.edges) {
    if (fused(edge)) continue;
    const to = node(edge.target);
    const name = topicOf(edge);
    const wanted: TopicKeying =
      to.type === "window"
        ? { kind: "window-group", nodeId: to.id }
        : to.type === "sessionize"
          ? { kind: "session-user", nodeId: to.id }
          : { kind: "default" };
    const existing = keying[name];
    if (existing && existing.kind !== "default" && wanted.kind !== "default") {
      return {
        ok: false,
        reason: `topic ${name} feeds several windows/sessions that key differently: add a key-by before each`,
        nodeIds: [existing.nodeId, to.id],
      };
    }
    if (!existing || existing.kind === "default") keying[name] = wanted;
  }

  // Stages: each head is a node entered through a topic (or a kafka-source); follow fused edges.
  const stages: Stage[] = [];
  const ingest: Plan["ingest"] = [];
  const generators: Plan["generators"] = [];
  const routesOf = (n: PlanNode): Record<string, PortRoute> => {
    const routes: Record<string, PortRoute> = {};
    const errorTopic = deadLetterTopicName(scope, n.id);
    if (topics.has(errorTopic)) routes["error"] = { topic: errorTopic };
    for (const edge of outgoing.get(n.id) ?? []) {
      if (edge.sourcePort === "error") continue;
      routes[edge.sourcePort] = fused(edge) ? { next: edge.target } : { topic: topicOf(edge) };
    }
    return routes;
  };
  for (const n of nodes.values()) {
    if (n.type === "http-ingest") {
      const config = n.config as NodeConfig<"http-ingest">;
      ingest.push({
        nodeId: n.id,
        pathKey: config.pathKey,
        topic: portTopicName(scope, n.id, "out"),
        dlq: deadLetterTopicName(scope, n.id),
        config,
      });
      continue;
    }
    if (n.type === "generator") {
      generators.push({
        nodeId: n.id,
        topic: portTopicName(scope, n.id, "out"),
        config: n.config as NodeConfig<"generator">,
      });
      continue;
    }
    const ins = incoming.get(n.id) ?? [];
    const isHead = n.type === "kafka-source" || ins.some((e) => !fused(e));
    if (!isHead) continue;
    const chain: PlanNode[] = [];
    const routes: Stage["routes"] = {};
    let current: typeof n | undefined = n;
    while (current) {
      chain.push({ id: current.id, type: current.type, config: current.config });
      routes[current.id] = routesOf(current);
      const next: string | undefined = Object.values(routes[current.id]!).find((r) => r.next)?.next;
      current = next ? node(next) : undefined;
    }
    const source = n.type === "kafka-source" ? (n.config as NodeConfig<"kafka-source">) : undefined;
    const inputTopics = source ? [source.topic] : [...new Set(ins.map(topicOf))];
    if (source)
      addTopic({
        name: source.topic,
        nodeId: n.id,
        port: "in",
        kind: "edge",
        managed: false,
        ...(source.connectionId ? { connectionId: source.connectionId } : {}),
      });
    stages.push({
      id: n.id,
      groupId: source
        ? sourceGroupId({
            pipelineId: input.pipelineId,
            nodeId: n.id,
            workspaceSlug: input.workspaceSlug,
            config: source,
          })
        : consumerGroupId(input.pipelineId, n.id),
      nodes: chain,
      inputTopics,
      ...(source?.connectionId ? { connectionId: source.connectionId } : {}),
      deadLetterInputs: [...new Set(ins.filter((e) => e.sourcePort === "error").map(topicOf))],
      routes,
      stateful: n.stateful,
    });
  }
  for (const n of [...nodes.values()].filter((x) => x.type === "kafka-sink")) {
    const { topic, connectionId } = n.config as NodeConfig<"kafka-sink">;
    if (!topics.has(topic))
      addTopic({
        name: topic,
        nodeId: n.id,
        port: "in",
        kind: "sink",
        managed: !connectionId,
        ...(connectionId ? { connectionId } : {}),
      });
  }
  for (const source of [...ingest, ...generators]) {
    if (!topics.has(source.topic))
      addTopic({ name: source.topic, nodeId: source.nodeId, port: "out", kind: "edge", managed: true });
  }
  stages.sort((a, b) => a.id.localeCompare(b.id));
  return {
    ok: true,
    plan: {
      pipelineId: input.pipelineId,
      workspaceId: input.workspaceId,
      workspaceSlug: input.workspaceSlug,
      topics: [...topics.values()].sort((a, b) => a.name.localeCompare(b.name)),
      keying,
      stages,
      ingest,
      generators,
      edges: graph.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        topic: fused(e) ? null : topicOf(e),
      })),
      settings,
    },
  };
}

/**
 * Topics of a plan that are on Sluice's cluster but outside its workspace (neither its internal
 * `sluice.<workspaceId>.` topics nor its `ws.<slug>.` namespace). compilePlan never produces one; the
 * runner still refuses a plan with any (defence in depth against a plan built some other way).
 */
export function foreignTopics(plan: Plan): string[] {
  const own = [internalTopicPrefix(plan.workspaceId), workspaceTopicPrefix(plan.workspaceSlug)];
  const onSluice = new Set<string>();
  for (const topic of plan.topics) if (!topic.connectionId) onSluice.add(topic.name);
  for (const stage of plan.stages) {
    if (!stage.connectionId) for (const topic of stage.inputTopics) onSluice.add(topic);
    for (const node of stage.nodes) {
      const { topic, connectionId } = node.config as { topic?: unknown; connectionId?: unknown };
      if ((node.type === "kafka-sink" || node.type === "kafka-source") && typeof topic === "string" && !connectionId)
        onSluice.add(topic);
    }
  }
  for (const source of [...plan.ingest, ...plan.generators]) onSluice.add(source.topic);
  return [...onSluice].filter((name) => !own.some((prefix) => name.startsWith(prefix))).sort();
}

/**
 * Consumer groups of a plan on Sluice's cluster outside its pipeline's own `sluice.<pipeline-id>.`
 * prefix and its workspace's `ws.<slug>.` namespace (compilePlan never produces one; the runner
 * refuses a plan with any).
 */
export function foreignGroups(plan: Plan): string[] {
  const own = [consumerGroupId(plan.pipelineId, ""), workspaceTopicPrefix(plan.workspaceSlug)];
  return plan.stages
    .filter((s) => !s.connectionId && !own.some((prefix) => s.groupId.startsWith(prefix)))
    .map((s) => s.groupId)
    .sort();
}
