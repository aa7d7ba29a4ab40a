"use client";
import { useCallback } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";

/**
 * The editor's server actions: reload the saved draft, rename, publish, deploy and stop. Publish and
 * deploy refusals are left on the mutations for their dialogs to show (DialogError), where the user is looking.
 */
export function useEditorActions(o: {
  workspaceId: string;
  pipelineId: string;
  /** Replaces the canvas with the saved draft (after a conflict or a restore). */
  replaceDraft: (draft: PipelineGraph, revision: number) => void;
  /** After a deploy: an HTTP-ingest pipeline shows how to send events, others close the dialog. */
  afterDeploy: () => void;
  closeDialog: () => void;
  refetchStatus: () => unknown;
}) {
  const { workspaceId, pipelineId, replaceDraft, afterDeploy, closeDialog, refetchStatus } = o;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { toast } = useToast();

  const reload = useCallback(async () => {
    const fresh = await queryClient.fetchQuery({
      ...trpc.pipeline.get.queryOptions({ workspaceId, pipelineId }),
      staleTime: 0,
    });
    replaceDraft(fresh.draft, fresh.draftRevision);
  }, [pipelineId, queryClient, replaceDraft, trpc, workspaceId]);

  const publish = useMutation(
    trpc.version.publish.mutationOptions({
      onSuccess: (v) => {
        toast(`Published version ${v.number}`, "success");
        closeDialog();
        void queryClient.invalidateQueries({ queryKey: trpc.pipeline.get.queryKey({ workspaceId, pipelineId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.version.list.queryKey({ workspaceId, pipelineId }) });
      },
    }),
  );
  const rename = useMutation(
    trpc.pipeline.rename.mutationOptions({
      onSuccess: () => {
        closeDialog();
        void queryClient.invalidateQueries({ queryKey: trpc.pipeline.get.queryKey({ workspaceId, pipelineId }) });
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );
  const deploy = useMutation(
    trpc.deployment.deploy.mutationOptions({
      onSuccess: () => {
        toast("Deploy requested: the runner is starting the pipeline", "success");
        afterDeploy();
        void refetchStatus();
      },
    }),
  );
  const stop = useMutation(
    trpc.deployment.stop.mutationOptions({
      onSuccess: () => {
        toast("Stop requested");
        void refetchStatus();
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );
  return { reload, publish, rename, deploy, stop };
}
