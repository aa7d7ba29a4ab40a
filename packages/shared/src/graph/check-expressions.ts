import { compileExpression } from "../expr/compile-expression";
import { positionAt } from "../expr/source-position";
import { hasField, OPEN_FIELDS } from "../nodes/field-set";
import { type GraphContext, nodeName } from "./graph-context";
import { formatPath, problem } from "./graph-problem";
import { inferInputFields } from "./infer-fields";

/**
 * Compiles every expression in every valid config (syntax, types, regex safety, with positions) and
 * warns about event fields that no upstream node produces.
 */
export function checkExpressions(ctx: GraphContext): void {
  const inputFields = inferInputFields(ctx);
  for (const { node, descriptor, config } of ctx.nodes.values()) {
    if (!descriptor || config === undefined) continue;
    const available = inputFields.get(node.id) ?? OPEN_FIELDS;

    for (const ref of descriptor.expressions?.(config) ?? []) {
      const field = formatPath(ref.path);
      const compiled = compileExpression(ref.source, { kind: ref.kind });
      if (!compiled.ok) {
        const { code, message, position, endOffset } = compiled.error;
        ctx.problems.push(
          problem(code, message, {
            nodeId: node.id,
            field,
            position,
            ...(endOffset === undefined ? {} : { endOffset }),
          }),
        );
        continue;
      }
      const reported = new Set<string>();
      for (const read of compiled.fieldRefs) {
        if (hasField(available, read.path) || reported.has(read.path)) continue;
        reported.add(read.path);
        ctx.problems.push(
          problem(
            "expression.unknown-field",
            `event.${read.path} is not produced by any node upstream of ${nodeName(node)}`,
            { nodeId: node.id, field, position: positionAt(ref.source, read.start), endOffset: read.end },
          ),
        );
      }
    }

    for (const ref of descriptor.fieldRefs?.(config) ?? []) {
      if (hasField(available, ref.field)) continue;
      ctx.problems.push(
        problem("field.unknown", `Field "${ref.field}" is not produced by any node upstream of ${nodeName(node)}`, {
          nodeId: node.id,
          field: formatPath(ref.path),
        }),
      );
    }
  }
}
