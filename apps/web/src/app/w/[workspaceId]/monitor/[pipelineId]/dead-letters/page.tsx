import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { DeadLetterInbox } from "@/components/dead-letters/DeadLetterInbox";
import { requireUser } from "@/server/require-user";

export const metadata = { title: "Dead letters" };
export const dynamic = "force-dynamic";

export default async function DeadLettersPage({
  params,
}: {
  params: Promise<{ workspaceId: string; pipelineId: string }>;
}) {
  const { workspaceId, pipelineId } = await params;
  await requireUser(`/w/${workspaceId}/monitor/${pipelineId}/dead-letters`);
  return (
    <AppShell workspaceId={workspaceId}>
      <Suspense>
        <DeadLetterInbox workspaceId={workspaceId} pipelineId={pipelineId} />
      </Suspense>
    </AppShell>
  );
}
