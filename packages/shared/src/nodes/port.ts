import { z } from "zod";

/**
 * What flows through a port. Edges are checked against it: e.g. sessionize needs raw activity events,
 * and a dead-letter stream cannot feed a window (it has no usable event time).
 */
export const PortKind = z.enum(["event", "aggregate", "session", "dead-letter"]);
export type PortKind = z.infer<typeof PortKind>;

export const ALL_PORT_KINDS: readonly PortKind[] = PortKind.options;

export type InputPort = {
  name: string;
  label: string;
  /** Kinds this port can consume. */
  accepts: readonly PortKind[];
  /** A deploy is blocked while a required input is unconnected. */
  required: boolean;
};

export type OutputPort = {
  name: string;
  label: string;
  /** `passthrough`: emits whatever kind arrived on the node's input (filter, route, late events). */
  kind: PortKind | "passthrough";
  /** Records leave exactly as they arrived (late events, duplicates): same fields as the input. */
  unchanged?: boolean;
  description?: string;
};

/** Port names double as topic-name segments and form keys. */
export const PortName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, "Lowercase letters, digits, - and _, starting with a letter (max 32)");

/** Names with a fixed meaning on every node; dynamic (route) ports may not reuse them. */
export const RESERVED_PORT_NAMES = ["in", "error", "dlq", "late"] as const;

export const ERROR_PORT: OutputPort = {
  name: "error",
  label: "Errors",
  kind: "dead-letter",
  description:
    "Records that failed in this node, with the reason. Unconnected, they still land in the dead-letter inbox.",
};

export const EVENTS_IN: InputPort = { name: "in", label: "In", accepts: ALL_PORT_KINDS, required: true };
