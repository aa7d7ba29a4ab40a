import { requireUser } from "@/server/require-user";
import { GeneralSettings } from "@/components/settings/GeneralSettings";

export const metadata = { title: "General" };
export const dynamic = "force-dynamic";

export default async function GeneralSettingsPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings`);
  return <GeneralSettings workspaceId={workspaceId} />;
}
