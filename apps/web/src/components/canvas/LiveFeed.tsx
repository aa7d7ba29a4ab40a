"use client";
import { useEffect, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { NodeState, PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import type { LiveStore } from "./live-store";

/**
 * Feeds a LiveStore from `metrics.live` (SSE) and seeds it from 15 min of history. Renders nothing:
 * as its own component, the subscription's per-second state updates re-render only this, never
 * the editor that hosts it.
 */
export function LiveFeed({
  workspaceId,
  pipelineId,
  graph,
  fallback,
  store,
}: {
  workspaceId: string;
  pipelineId: string;
  graph: PipelineGraph;
  fallback: NodeState;
  store: LiveStore;
}) {
  const trpc = useTRPC();
  const current = useRef({ graph, fallback });
  current.current = { graph, fallback };
  useSubscription(
    trpc.metrics.live.subscriptionOptions(
      { workspaceId, pipelineId },
      { onData: (snapshot) => store.push(snapshot, current.current.graph, current.current.fallback) },
    ),
  );
  const history = useQuery({
    ...trpc.metrics.history.queryOptions({ workspaceId, pipelineId, range: "15m" }),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  useEffect(() => {
    if (history.data) store.seed(history.data.points);
  }, [history.data, store]);
  return null;
}
