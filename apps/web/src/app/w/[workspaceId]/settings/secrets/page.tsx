import { requireUser } from "@/server/require-user";
import { SecretsSettings } from "@/components/settings/SecretsSettings";

export const metadata = { title: "Secrets" };
export const dynamic = "force-dynamic";

export default async function SecretsPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings/secrets`);
  return <SecretsSettings workspaceId={workspaceId} />;
}
