import { IngestUrlProvider } from "@/components/canvas/ingest-url";
import { env } from "@/server/env";
import { requireUser } from "@/server/require-user";
import { PipelineEditor } from "./PipelineEditor";

export const metadata = { title: "Pipeline editor" };
export const dynamic = "force-dynamic";

export default async function PipelinePage({
  params,
}: {
  params: Promise<{ workspaceId: string; pipelineId: string }>;
}) {
  const { workspaceId, pipelineId } = await params;
  await requireUser(`/w/${workspaceId}/p/${pipelineId}`);
  const { INGEST_PUBLIC_URL } = env();
  return (
    <IngestUrlProvider url={INGEST_PUBLIC_URL.replace(/\/$/, "")}>
      <PipelineEditor workspaceId={workspaceId} pipelineId={pipelineId} />
    </IngestUrlProvider>
  );
}
