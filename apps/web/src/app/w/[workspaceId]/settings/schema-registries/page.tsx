import { requireUser } from "@/server/require-user";
import { SchemaRegistriesSettings } from "@/components/settings/SchemaRegistriesSettings";

export const metadata = { title: "Schema registries" };
export const dynamic = "force-dynamic";

export default async function SchemaRegistriesPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings/schema-registries`);
  return <SchemaRegistriesSettings workspaceId={workspaceId} />;
}
