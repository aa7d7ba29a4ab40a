import { z } from "zod";
import { JsonValue } from "../events/json-value";

/**
 * Node ids become topic-name segments (`sluice.<pipeline>.<node>.<port>`), hence Kafka-safe
 * characters and no dots.
 */
export const NodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Node ids use letters, digits, _ and - (max 64)");
export type NodeId = z.infer<typeof NodeId>;

export const NodePosition = z.object({ x: z.number().finite(), y: z.number().finite() });
export type NodePosition = z.infer<typeof NodePosition>;

export const PipelineNode = z.object({
  id: NodeId,
  /** A node type id from the registry; kept as a string so unknown types are reported, not thrown. */
  type: z.string().min(1),
  typeVersion: z.number().int().positive(),
  /** Validated against the node type's configSchema by validateGraph, with per-field problems. */
  config: z.record(z.string(), JsonValue),
  position: NodePosition,
  label: z.string().max(80).optional(),
});
export type PipelineNode = z.infer<typeof PipelineNode>;

export const PipelineEdge = z.object({
  id: z.string().min(1).max(128),
  source: z.string().min(1),
  sourcePort: z.string().min(1),
  target: z.string().min(1),
  targetPort: z.string().min(1),
  /** Always materialise this edge as a topic, even where the runner would fuse the two nodes. */
  forceTopic: z.boolean().optional(),
});
export type PipelineEdge = z.infer<typeof PipelineEdge>;

/** The one contract for a pipeline: drawn by the canvas, saved by the API, compiled by the runner. */
export const PipelineGraph = z.object({
  nodes: z.array(PipelineNode).max(500),
  edges: z.array(PipelineEdge).max(2_000),
});
export type PipelineGraph = z.infer<typeof PipelineGraph>;
