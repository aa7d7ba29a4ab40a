import { requireUser } from "@/server/require-user";
import { MembersSettings } from "@/components/settings/MembersSettings";

export const metadata = { title: "Members" };
export const dynamic = "force-dynamic";

export default async function MembersPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings/members`);
  return <MembersSettings workspaceId={workspaceId} />;
}
