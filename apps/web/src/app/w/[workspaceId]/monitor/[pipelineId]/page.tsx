import { AppShell } from "@/components/AppShell";
import { PipelineDashboard } from "@/components/monitoring/PipelineDashboard";
import { requireUser } from "@/server/require-user";

export const metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

export default async function PipelineDashboardPage({
  params,
}: {
  params: Promise<{ workspaceId: string; pipelineId: string }>;
}) {
  const { workspaceId, pipelineId } = await params;
  await requireUser(`/w/${workspaceId}/monitor/${pipelineId}`);
  return (
    <AppShell workspaceId={workspaceId}>
      <PipelineDashboard workspaceId={workspaceId} pipelineId={pipelineId} />
    </AppShell>
  );
}
