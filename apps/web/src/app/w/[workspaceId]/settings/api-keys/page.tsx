import { requireUser } from "@/server/require-user";
import { ApiKeysSettings } from "@/components/settings/ApiKeysSettings";

export const metadata = { title: "API keys" };
export const dynamic = "force-dynamic";

export default async function ApiKeysPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings/api-keys`);
  return <ApiKeysSettings workspaceId={workspaceId} />;
}
