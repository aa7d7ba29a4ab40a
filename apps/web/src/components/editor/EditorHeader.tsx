"use client";
import Link from "next/link";
import { useReactFlow } from "@xyflow/react";
import type { PipelineGraph } from "@sluice/shared";
import { ThemeToggle } from "@/components/ThemeToggle";
import { deploymentBadge } from "@/components/canvas/deployment-badge";
import { RedpandaConnectExport } from "@/components/canvas/RedpandaConnectExport";
import type { SaveState } from "@/components/canvas/use-autosave";
import { AlertBell } from "@/components/monitoring/alerts";

export type EditorDialog = "publish" | "deploy" | "send-events" | "help" | "import" | "rename" | "settings";

const SAVE_LABEL: Record<SaveState, string> = {
  saved: "Saved",
  unsaved: "Unsaved",
  saving: "Saving…",
  conflict: "Conflict",
  error: "Not saved",
};
const SAVE_DOT: Record<SaveState, string> = {
  saved: "bg-emerald-500",
  unsaved: "bg-amber-400",
  saving: "bg-brand-500 animate-pulse",
  conflict: "bg-red-600",
  error: "bg-red-600",
};

/** The editor's toolbar: name and status, history and layout, import/export, versions, monitor, publish and deploy. */
export function EditorHeader({
  workspaceId,
  pipelineId,
  name,
  latestVersion,
  deployment,
  can,
  saveState,
  lastSaveError,
  canUndo,
  canRedo,
  undo,
  redo,
  readOnly,
  graphEmpty,
  layout,
  exportDraft,
  exportGraph,
  versionsOpen,
  toggleVersions,
  live,
  monitoring,
  toggleMonitoring,
  blocked,
  errorCount,
  running,
  hasIngest,
  deployPending,
  stopPending,
  onStop,
  openDialog,
}: {
  workspaceId: string;
  pipelineId: string;
  name: string;
  latestVersion: { id: string; number: number } | null;
  deployment: { status: string; statusReason: string | null; versionNumber: number } | null | undefined;
  can: { edit: boolean; publish: boolean; deploy: boolean; stop: boolean; seeAlerts: boolean };
  saveState: SaveState;
  lastSaveError: string | null;
  canUndo: boolean;
  canRedo: boolean;
  undo: () => void;
  redo: () => void;
  readOnly: boolean;
  graphEmpty: boolean;
  layout: () => void;
  exportDraft: () => void;
  /** What Export and Connect YAML export: the draft, or the version shown over it. */
  exportGraph: PipelineGraph;
  versionsOpen: boolean;
  toggleVersions: () => void;
  live: boolean;
  monitoring: boolean;
  toggleMonitoring: () => void;
  blocked: boolean;
  errorCount: number;
  running: boolean;
  hasIngest: boolean;
  deployPending: boolean;
  stopPending: boolean;
  onStop: () => void;
  openDialog: (dialog: EditorDialog) => void;
}) {
  const flow = useReactFlow();
  const { edit: canEdit, publish: canPublish, deploy: canDeploy, stop: canStop, seeAlerts: canSeeAlerts } = can;
  return (
    <header className="flex min-h-14 flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
      <Link href={`/w/${workspaceId}`} className="btn-ghost px-2" aria-label="Back to pipelines">
        ←
      </Link>
      <div className="min-w-0">
        <h1 className="flex items-center gap-1 truncate text-base font-semibold">
          <span data-testid="pipeline-name">{name}</span>
          {canEdit && (
            <button
              type="button"
              className="btn-ghost px-1 py-0 text-xs text-slate-400"
              aria-label="Rename pipeline"
              title="Rename"
              onClick={() => openDialog("rename")}
            >
              ✎
            </button>
          )}
        </h1>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          {latestVersion ? `Latest version v${latestVersion.number}` : "Never published"}
          {deployment && (
            <>
              {" · "}
              <span
                data-testid="deployment-status"
                title={deployment.statusReason ?? undefined}
                className={`rounded-full px-1.5 py-px font-medium ${deploymentBadge(deployment).className}`}
              >
                {deploymentBadge(deployment).label} v{deployment.versionNumber}
              </span>
            </>
          )}
        </p>
      </div>
      {!canEdit && (
        <span
          data-testid="readonly-badge"
          className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300"
          title="Your role can view this pipeline but not change it"
        >
          Read-only
        </span>
      )}
      {canEdit && (
        <span
          role="status"
          data-testid="save-status"
          className="ml-1 flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400"
          title={lastSaveError ?? undefined}
        >
          <span className={`h-2 w-2 rounded-full ${SAVE_DOT[saveState]}`} aria-hidden="true" />
          {SAVE_LABEL[saveState]}
        </span>
      )}
      <div className="ml-auto flex flex-wrap items-center gap-1">
        {canEdit && (
          <>
            <button
              type="button"
              className="btn-ghost px-2"
              onClick={undo}
              disabled={!canUndo || readOnly}
              aria-label="Undo"
              title="Undo (Ctrl+Z)"
            >
              ↶
            </button>
            <button
              type="button"
              className="btn-ghost px-2"
              onClick={redo}
              disabled={!canRedo || readOnly}
              aria-label="Redo"
              title="Redo (Ctrl+Shift+Z)"
            >
              ↷
            </button>
            <button
              type="button"
              className="btn-ghost"
              onClick={layout}
              disabled={readOnly || graphEmpty}
              title="Auto-layout (Shift+L)"
            >
              Auto-layout
            </button>
          </>
        )}
        <button
          type="button"
          className="btn-ghost"
          onClick={() => void flow.fitView({ padding: 0.25, duration: 300 })}
          title="Zoom to fit (Shift+F)"
        >
          Fit
        </button>
        <button
          type="button"
          className="btn-ghost px-2"
          onClick={() => openDialog("help")}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
        >
          ⌨
        </button>
        <span className="mx-1 h-6 w-px bg-slate-200 dark:bg-slate-700" aria-hidden="true" />
        <button type="button" className="btn-ghost" onClick={exportDraft}>
          Export
        </button>
        <RedpandaConnectExport graph={exportGraph} name={name} />
        {canEdit && (
          <button type="button" className="btn-ghost" onClick={() => openDialog("import")}>
            Import
          </button>
        )}
        <button type="button" className="btn-ghost" aria-pressed={versionsOpen} onClick={toggleVersions}>
          Versions
        </button>
        <button
          type="button"
          className="btn-ghost"
          title="Partitions, retention, replication and batching"
          onClick={() => openDialog("settings")}
        >
          Settings
        </button>
        <Link className="btn-ghost" href={`/w/${workspaceId}/monitor/${pipelineId}`}>
          Dashboard
        </Link>
        {live && (
          <button
            type="button"
            className="btn-ghost"
            aria-pressed={monitoring}
            title="Monitor mode: the canvas is read-only and clicking a node opens its live details"
            onClick={toggleMonitoring}
          >
            <span
              className={`mr-1 inline-block h-2 w-2 rounded-full ${monitoring ? "animate-pulse bg-emerald-500" : "bg-slate-400"}`}
              aria-hidden="true"
            />
            Monitor
          </button>
        )}
        {canPublish && (
          <button
            type="button"
            className="btn-secondary"
            disabled={blocked || saveState === "conflict"}
            title={
              blocked
                ? `Fix ${errorCount} error${errorCount === 1 ? "" : "s"} before publishing`
                : "Publish the draft as a new immutable version"
            }
            onClick={() => openDialog("publish")}
          >
            Publish
          </button>
        )}
        {canDeploy &&
          (running && canStop ? (
            <button
              type="button"
              className="btn-danger"
              disabled={stopPending}
              onClick={() =>
                window.confirm("Stop this pipeline? Events keep accumulating in the source topics.") && onStop()
              }
            >
              Stop
            </button>
          ) : (
            <button
              type="button"
              className="btn-primary"
              disabled={!latestVersion || deployPending}
              title={latestVersion ? `Deploy v${latestVersion.number}` : "Publish a version first"}
              onClick={() => openDialog("deploy")}
            >
              Deploy
            </button>
          ))}
        {running && hasIngest && (
          <button type="button" className="btn-ghost" onClick={() => openDialog("send-events")}>
            Send events
          </button>
        )}
        {canSeeAlerts && <AlertBell workspaceId={workspaceId} />}
        <ThemeToggle />
      </div>
    </header>
  );
}
