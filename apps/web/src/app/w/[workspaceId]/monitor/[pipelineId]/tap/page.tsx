import { Suspense } from "react";
import { AppShell } from "@/components/AppShell";
import { LiveTap } from "@/components/tap/LiveTap";
import { requireUser } from "@/server/require-user";

export const metadata = { title: "Live tap" };
export const dynamic = "force-dynamic";

export default async function LiveTapPage({
  params,
}: {
  params: Promise<{ workspaceId: string; pipelineId: string }>;
}) {
  const { workspaceId, pipelineId } = await params;
  await requireUser(`/w/${workspaceId}/monitor/${pipelineId}/tap`);
  return (
    <AppShell workspaceId={workspaceId}>
      <Suspense>
        <LiveTap workspaceId={workspaceId} pipelineId={pipelineId} />
      </Suspense>
    </AppShell>
  );
}
