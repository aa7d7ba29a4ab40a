import type { ASTNode } from "@marcbachmann/cel-js";

/** Macros whose first argument binds a local variable that may shadow `event`. */
const BINDING_MACROS = new Set(["all", "exists", "exists_one", "existsOne", "map", "filter", "bind"]);

/** One read of an event field, with its source range (for underlining). */
export type EventPathRef = { path: string; start: number; end: number };

/**
 * Dotted event paths an expression reads, e.g. `event.props.amount > 10` -> `props.amount`, in source
 * order. Used at design time to warn about fields no upstream node produces. Dynamic indexes
 * (`event[k]`) end the path at the last static segment.
 */
export function collectEventPathRefs(ast: ASTNode): EventPathRef[] {
  const refs: EventPathRef[] = [];
  visit(ast, false, refs);
  return refs.sort((a, b) => a.start - b.start);
}

/** The distinct paths of collectEventPathRefs, sorted. */
export function collectEventPaths(ast: ASTNode): string[] {
  return [...new Set(collectEventPathRefs(ast).map((ref) => ref.path))].sort();
}

function visit(node: ASTNode, eventShadowed: boolean, paths: EventPathRef[]): void {
  const chain = memberChain(node);
  if (chain) {
    if (!eventShadowed && chain.segments.length > 0)
      paths.push({ path: chain.segments.join("."), start: node.start, end: node.end });
    for (const dynamicIndex of chain.dynamic) visit(dynamicIndex, eventShadowed, paths);
    return;
  }
  if (node.op === "rcall" && BINDING_MACROS.has(node.args[0]) && node.args[2][0]?.op === "id") {
    const [name, receiver, [binder, ...rest]] = node.args;
    visit(receiver, eventShadowed, paths);
    const shadowed = eventShadowed || binder.args === "event";
    // cel.bind(x, init, body): init is still evaluated in the outer scope.
    rest.forEach((arg, i) => visit(arg, name === "bind" && i === 0 ? eventShadowed : shadowed, paths));
    return;
  }
  for (const child of children(node)) visit(child, eventShadowed, paths);
}

type Chain = { segments: string[]; dynamic: ASTNode[] };

/** If `node` is `event.a["b"].c...`, the static segments (stopping at the first dynamic index). */
function memberChain(node: ASTNode): Chain | undefined {
  const reversed: (string | ASTNode)[] = [];
  let current: ASTNode = node;
  for (;;) {
    if (current.op === "." || current.op === ".?") {
      reversed.push(current.args[1]);
      current = current.args[0];
    } else if (current.op === "[]" || current.op === "[?]") {
      const [target, index] = current.args;
      reversed.push(
        index.op === "value" && (typeof index.args === "string" || typeof index.args === "bigint")
          ? String(index.args)
          : index,
      );
      current = target;
    } else break;
  }
  if (current.op !== "id" || current.args !== "event") return undefined;
  const segments: string[] = [];
  const dynamic: ASTNode[] = [];
  let staticPrefix = true;
  for (const part of reversed.reverse()) {
    if (typeof part === "string") {
      if (staticPrefix) segments.push(part);
    } else {
      staticPrefix = false;
      dynamic.push(part);
    }
  }
  return { segments, dynamic };
}

/** `matches()` calls with their pattern argument: a literal is compiled once, anything else is rejected. */
export function collectMatchesCalls(ast: ASTNode): { call: ASTNode; pattern: ASTNode }[] {
  const calls: { call: ASTNode; pattern: ASTNode }[] = [];
  const walk = (node: ASTNode): void => {
    let pattern: ASTNode | undefined;
    if (node.op === "rcall" && node.args[0] === "matches") pattern = node.args[2][0];
    if (node.op === "call" && node.args[0] === "matches") pattern = node.args[1][1];
    if (pattern) calls.push({ call: node, pattern });
    for (const child of children(node)) walk(child);
  };
  walk(ast);
  return calls;
}

/** The sub-expressions of a CEL AST node, in source order. */
export function children(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case "value":
    case "id":
      return [];
    case ".":
    case ".?":
      return [node.args[0]];
    case "call":
      return node.args[1];
    case "rcall":
      return [node.args[1], ...node.args[2]];
    case "map":
      return node.args.flat();
    case "!_":
    case "-_":
      return [node.args];
    default:
      return node.args as ASTNode[];
  }
}
