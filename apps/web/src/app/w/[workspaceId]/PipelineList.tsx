"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";

export function PipelineList({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const workspace = useQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const pipelines = useQuery(trpc.pipeline.list.queryOptions({ workspaceId }));

  if (workspace.error) {
    return (
      <div className="mx-auto max-w-5xl p-8">
        <div className="card p-8 text-center" role="alert">
          <h1 className="text-lg font-semibold">Workspace not found</h1>
          <p className="text-sm text-slate-500">It does not exist or you are not a member.</p>
        </div>
      </div>
    );
  }

  return (
    <div className="mx-auto max-w-5xl p-8">
      <div className="mb-6 flex items-center justify-between">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Pipelines</h1>
          <p className="text-sm text-slate-500 dark:text-slate-400">{workspace.data?.name ?? " "}</p>
        </div>
      </div>
      {pipelines.isLoading ? (
        <div className="space-y-3" aria-busy="true" aria-label="Loading pipelines">
          {[0, 1, 2].map((i) => (
            <div key={i} className="skeleton h-16" />
          ))}
        </div>
      ) : pipelines.data && pipelines.data.length > 0 ? (
        <ul className="card divide-y divide-slate-200 dark:divide-slate-800">
          {pipelines.data.map((p) => (
            <li key={p.id} className="flex items-center justify-between px-4 py-3">
              <div>
                <div className="font-medium">{p.name}</div>
                <div className="text-xs text-slate-500">Updated {p.updatedAt.toLocaleString()}</div>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <div className="card flex flex-col items-center gap-3 p-12 text-center" data-testid="empty-pipelines">
          <div className="text-4xl" aria-hidden="true">
            ⇶
          </div>
          <h2 className="text-lg font-semibold">No pipelines yet</h2>
          <p className="max-w-md text-sm text-slate-500 dark:text-slate-400">
            A pipeline takes user-activity events from a source, transforms them and writes results to a sink, live.
          </p>
        </div>
      )}
    </div>
  );
}
