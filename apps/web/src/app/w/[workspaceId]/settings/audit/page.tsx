import { requireUser } from "@/server/require-user";
import { AuditLog } from "@/components/settings/AuditLog";

export const metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

export default async function AuditLogPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings/audit`);
  return <AuditLog workspaceId={workspaceId} />;
}
