import type { NodeDescriptor } from "./node-descriptor";
import type { InputPort, OutputPort } from "./port";
import { getNodeDescriptor } from "./registry";

type NodeRef = { type: string; typeVersion: number; config: unknown };

/** Input ports of a node, or undefined when its type/version is unknown. */
export function inputPortsFor(node: NodeRef): readonly InputPort[] | undefined {
  return getNodeDescriptor(node.type, node.typeVersion)?.inputs;
}

/** Output ports of a node (config-driven for route), or undefined when its type/version is unknown. */
export function outputPortsFor(node: NodeRef): readonly OutputPort[] | undefined {
  return resolveOutputPorts(node)?.ports;
}

/**
 * Like outputPortsFor, plus whether the list is complete. While a route's config is invalid its
 * dynamic ports cannot be known; the static ports are returned with `complete: false` so validation
 * does not flag edges on ports that will reappear once the config is fixed.
 */
export function resolveOutputPorts(node: NodeRef): { ports: readonly OutputPort[]; complete: boolean } | undefined {
  const descriptor: NodeDescriptor | undefined = getNodeDescriptor(node.type, node.typeVersion);
  if (!descriptor) return undefined;
  if (!descriptor.dynamicOutputs) return { ports: descriptor.outputs, complete: true };
  const parsed = descriptor.configSchema.safeParse(node.config);
  return parsed.success
    ? { ports: descriptor.dynamicOutputs(parsed.data), complete: true }
    : { ports: descriptor.outputs, complete: false };
}
