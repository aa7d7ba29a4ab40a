import "server-only";
import { type JsonValue, roleHasScope } from "@sluice/shared";
import { observedPipeline, piiMasker } from "../../pipelines/observed";
import type { ServiceContext } from "../context";
import { deadLetterTopics, readDeadLetters } from "./dead-letters";

export type ListDeadLettersInput = {
  pipelineId: string;
  nodeId?: string | undefined;
  showHandled: boolean;
  limit: number;
  cursor: number;
};

/**
 * Dead letters of a pipeline's deployed version, newest first, grouped by node and error code.
 * Reads at most WINDOW_PER_PARTITION of the newest records per DLQ partition; `total` per node is
 * everything retained. Payloads are PII-masked unless the role has dlq:read-raw.
 */
export async function listDeadLetters(
  ctx: Pick<ServiceContext, "prisma" | "workspace" | "role">,
  input: ListDeadLettersInput,
) {
  const observed = await observedPipeline(ctx.prisma, ctx.workspace.id, input.pipelineId);
  const { records, totals } = await readDeadLetters(ctx.prisma, observed, input.nodeId);
  const raw = roleHasScope(ctx.role, "dlq:read-raw");
  const mask = observed.graph ? piiMasker(observed.graph) : () => "[masked]";
  const groups = new Map<string, { nodeId: string; code: string; count: number; handled: number; sample: string }>();
  for (const r of records) {
    const key = `${r.nodeId}\u0000${r.code}`;
    const group = groups.get(key) ?? { nodeId: r.nodeId, code: r.code, count: 0, handled: 0, sample: r.message };
    if (r.handled) group.handled += 1;
    else group.count += 1;
    groups.set(key, group);
  }
  const visible = records.filter((r) => input.showHandled || !r.handled);
  const page = visible.slice(input.cursor, input.cursor + input.limit);
  const labels = new Map(observed.graph?.nodes.map((n) => [n.id, n.label ?? n.id]) ?? []);
  return {
    deployment: observed.deployment,
    raw,
    nodes: deadLetterTopics(observed).map((t) => ({
      nodeId: t.nodeId,
      label: labels.get(t.nodeId) ?? t.nodeId,
      total: totals[t.nodeId] ?? 0,
    })),
    groups: [...groups.values()].sort((a, b) => b.count - a.count),
    items: page.map(({ record, ...r }) => {
      const text = record.value?.toString("utf8") ?? "";
      let payload: JsonValue;
      try {
        payload = JSON.parse(text) as JsonValue;
      } catch {
        payload = text;
      }
      return { ...r, payload: raw ? payload : typeof payload === "string" ? "[masked]" : mask(payload) };
    }),
    nextCursor: input.cursor + input.limit < visible.length ? input.cursor + input.limit : null,
  };
}
