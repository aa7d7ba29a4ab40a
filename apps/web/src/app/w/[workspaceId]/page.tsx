import { requireUser } from "@/server/require-user";
import { AppShell } from "@/components/AppShell";
import { PipelineList } from "./PipelineList";

export const metadata = { title: "Pipelines" };
export const dynamic = "force-dynamic";

export default async function WorkspacePage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}`);
  return (
    <AppShell workspaceId={workspaceId}>
      <PipelineList workspaceId={workspaceId} />
    </AppShell>
  );
}
