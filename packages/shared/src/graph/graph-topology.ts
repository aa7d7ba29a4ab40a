import type { PipelineEdge } from "./pipeline-graph";

type EdgeLike = Pick<PipelineEdge, "id" | "source" | "target">;

/** Strongly connected components that contain a cycle (size > 1, or a self-loop). Tarjan, iterative. */
export function cyclicComponents(nodeIds: readonly string[], edges: readonly EdgeLike[]): string[][] {
  const successors = adjacency(nodeIds, edges);
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of nodeIds) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const children = successors.get(frame.node) ?? [];
      if (frame.next < children.length) {
        const child = children[frame.next++]!;
        if (!index.has(child)) {
          index.set(child, counter);
          lowLink.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, next: 0 });
        } else if (onStack.has(child)) {
          lowLink.set(frame.node, Math.min(lowLink.get(frame.node)!, index.get(child)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.node, Math.min(lowLink.get(parent.node)!, lowLink.get(frame.node)!));
      if (lowLink.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (successors.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component.reverse());
      }
    }
  }
  return components;
}

/**
 * Nodes in dependency order (every node after all its upstream nodes); nodes on cycles are left out.
 * Ties keep the input order, so results are stable for the same graph.
 */
export function topologicalOrder(nodeIds: readonly string[], edges: readonly EdgeLike[]): string[] {
  const successors = adjacency(nodeIds, edges);
  const inDegree = new Map(nodeIds.map((id) => [id, 0]));
  for (const targets of successors.values())
    for (const target of targets) inDegree.set(target, (inDegree.get(target) ?? 0) + 1);
  const ready = nodeIds.filter((id) => inDegree.get(id) === 0);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const node = ready[i]!;
    order.push(node);
    for (const target of successors.get(node) ?? []) {
      const remaining = inDegree.get(target)! - 1;
      inDegree.set(target, remaining);
      if (remaining === 0) ready.push(target);
    }
  }
  return order;
}

/** Every node reachable from `starts` along edges (including the starts). */
export function reachableFrom(
  starts: readonly string[],
  nodeIds: readonly string[],
  edges: readonly EdgeLike[],
): Set<string> {
  const successors = adjacency(nodeIds, edges);
  const seen = new Set(starts);
  const queue = [...starts];
  while (queue.length > 0) {
    for (const next of successors.get(queue.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

function adjacency(nodeIds: readonly string[], edges: readonly EdgeLike[]): Map<string, string[]> {
  const successors = new Map<string, string[]>(nodeIds.map((id) => [id, []]));
  for (const edge of edges) successors.get(edge.source)?.push(edge.target);
  return successors;
}
