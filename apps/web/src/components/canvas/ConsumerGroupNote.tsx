"use client";
import { useQuery } from "@tanstack/react-query";
import { type PipelineNode, sourceGroupId } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";

/** A kafka-source's effective consumer group id on the broker, as the runner will read with it. */
export function ConsumerGroupNote({
  node,
  workspaceId,
  pipelineId,
}: {
  node: PipelineNode;
  workspaceId: string;
  pipelineId: string;
}) {
  const trpc = useTRPC();
  const workspace = useQuery({ ...trpc.workspace.get.queryOptions({ workspaceId }), refetchOnWindowFocus: false });
  const slug = workspace.data?.slug;
  if (!slug) return null;
  const { consumerGroup, connectionId } = node.config as { consumerGroup?: unknown; connectionId?: unknown };
  const groupId = sourceGroupId({
    pipelineId,
    nodeId: node.id,
    workspaceSlug: slug,
    config: {
      ...(typeof consumerGroup === "string" ? { consumerGroup: consumerGroup.trim() } : {}),
      ...(typeof connectionId === "string" ? { connectionId } : {}),
    },
  });
  return (
    <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="consumer-group">
      Consumer group on the broker: <span className="font-mono text-slate-700 dark:text-slate-200">{groupId}</span>
    </p>
  );
}
