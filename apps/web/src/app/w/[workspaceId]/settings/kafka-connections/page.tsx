import { requireUser } from "@/server/require-user";
import { KafkaConnectionsSettings } from "@/components/settings/KafkaConnectionsSettings";

export const metadata = { title: "Kafka connections" };
export const dynamic = "force-dynamic";

export default async function KafkaConnectionsPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  await requireUser(`/w/${workspaceId}/settings/kafka-connections`);
  return <KafkaConnectionsSettings workspaceId={workspaceId} />;
}
