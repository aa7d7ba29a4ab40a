"use client";
import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { hasErrors, type PipelineGraph, validateGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { indexProblems } from "@/components/canvas/graph-model";
import { useKnownCredentials } from "@/components/canvas/use-known-credentials";

/**
 * The draft's problems as publish and deploy will see them: validated against the workspace's
 * namespace, Kafka connections and credentials, so the canvas flags what the server refuses.
 * `problemIndex` is empty while a version is shown over the draft (`overlay`).
 */
export function useEditorProblems(
  workspaceId: string,
  scopes: ReadonlySet<string>,
  graph: PipelineGraph,
  overlay: boolean,
) {
  const trpc = useTRPC();
  const workspace = useQuery({ ...trpc.workspace.get.queryOptions({ workspaceId }), refetchOnWindowFocus: false });
  const connections = useQuery(trpc.kafkaConnection.list.queryOptions({ workspaceId }));
  const slug = workspace.data?.slug;
  const connectionIds = useMemo(() => connections.data?.map((c) => c.id), [connections.data]);
  const registries = useQuery(trpc.schemaRegistry.list.queryOptions({ workspaceId }));
  const registryIds = useMemo(() => registries.data?.map((r) => r.id), [registries.data]);
  const credentials = useKnownCredentials(workspaceId, scopes);
  const problems = useMemo(
    () =>
      validateGraph(graph, {
        ...(slug ? { slug } : {}),
        ...(connectionIds ? { connectionIds } : {}),
        ...(registryIds ? { registryIds } : {}),
        ...(credentials ? { credentials } : {}),
      }),
    [graph, slug, connectionIds, registryIds, credentials],
  );
  const shownProblems = useMemo(() => (overlay ? [] : problems), [overlay, problems]);
  const problemIndex = useMemo(() => indexProblems(shownProblems), [shownProblems]);
  return {
    problems,
    problemIndex,
    errorCount: problems.filter((p) => p.severity === "error").length,
    blocked: hasErrors(problems),
  };
}
