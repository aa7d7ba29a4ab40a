import type { z } from "zod";
import type { ExpressionKind } from "../expr/compile-expression";
import type { FieldSet } from "./field-set";
import type { InputPort, OutputPort } from "./port";

export type NodeCategory = "source" | "transform" | "sink";

/** Path of a value inside a node's config, as in zod issues: `["assignments", 0, "expression"]`. */
export type ConfigPath = readonly (string | number)[];

export type ExpressionRef = { path: ConfigPath; source: string; kind: ExpressionKind };

/** A config value that names an event field (e.g. a window's event-time field). */
export type FieldRef = { path: ConfigPath; field: string };

/**
 * Everything the designer, API and runner need to know about a node type, as data plus small pure
 * analysis functions. No executor code: the runner keeps those in its own typed map.
 */
export type NodeDescriptor<
  Type extends string = string,
  Schema extends z.ZodType = z.ZodType,
  Category extends NodeCategory = NodeCategory,
> = {
  type: Type;
  /** Saved nodes keep the version they were created with; a breaking config change adds a version. */
  typeVersion: number;
  category: Category;
  label: string;
  description: string;
  /** Short icon name the web app maps to an icon component. */
  icon: string;
  /** Keeps per-partition state that the runner must checkpoint with offsets. */
  stateful: boolean;
  inputs: readonly InputPort[];
  /** Fixed output ports. Nodes with config-driven ports also define `dynamicOutputs`. */
  outputs: readonly OutputPort[];
  configSchema: Schema;
  /** A realistic, valid config: palette default and docs example. */
  example: z.input<Schema>;
  /** Output ports derived from config (route). Replaces `outputs` when present. */
  dynamicOutputs?: (config: z.output<Schema>) => OutputPort[];
  /** CEL expressions in the config, to compile and check at design time. */
  expressions?: (config: z.output<Schema>) => ExpressionRef[];
  /** Plain field-path references in the config, checked against upstream fields. */
  fieldRefs?: (config: z.output<Schema>) => FieldRef[];
  /** Fields on the node's main outputs given the fields arriving at its input. Default: unchanged. */
  outputFields?: (config: z.output<Schema>, input: FieldSet) => FieldSet;
};

/** Identity helper that keeps the literal `type` and `category` and the schema's precise type. */
export function defineNode<const Type extends string, Schema extends z.ZodType, const Category extends NodeCategory>(
  descriptor: NodeDescriptor<Type, Schema, Category>,
): NodeDescriptor<Type, Schema, Category> {
  return descriptor;
}
