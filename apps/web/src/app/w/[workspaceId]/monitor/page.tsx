import { AppShell } from "@/components/AppShell";
import { WorkspaceOverview } from "@/components/monitoring/WorkspaceOverview";
import { requireUser } from "@/server/require-user";

export const metadata = { title: "Health" };
export const dynamic = "force-dynamic";

export default async function WorkspaceHealthPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/monitor`);
  return (
    <AppShell workspaceId={workspaceId}>
      <WorkspaceOverview workspaceId={workspaceId} />
    </AppShell>
  );
}
