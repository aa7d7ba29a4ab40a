"use client";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { PipelineDocument, type GraphProblem, type PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { refusedNodeIds } from "@/components/forms/DialogError";
import { fieldDomId } from "@/components/forms/ConfigForm";
import { EMPTY_GRAPH } from "@/components/canvas/graph-model";
import { Palette } from "@/components/canvas/Palette";
import { EMPTY_SELECTION, PipelineCanvas, type Selection } from "@/components/canvas/PipelineCanvas";
import { PipelineSettingsDialog } from "@/components/canvas/PipelineSettingsDialog";
import { ShortcutsHelp } from "@/components/canvas/ShortcutsHelp";
import { useAutosave, useFreshDraftQuery } from "@/components/canvas/use-autosave";
import { storedSelection, useEditorView } from "@/components/canvas/use-editor-view";
import { useGraphHistory } from "@/components/canvas/use-graph-history";
import type { CanvasOverlay } from "@/components/canvas/VersionsDrawer";
import { LiveFeed } from "@/components/canvas/LiveFeed";
import { statusFromDeployment } from "@/components/canvas/live-overlay";
import { LiveStore, LiveStoreContext, OpenNodeContext } from "@/components/canvas/live-store";
import { AlertBanner } from "@/components/monitoring/alerts";
import { downloadFile } from "@/lib/download-file";
import { SendEventsDialog } from "@/components/canvas/SendEventsDialog";
import { BottomPanel } from "@/components/editor/BottomPanel";
import { ConflictBanner, OverlayBanner } from "@/components/editor/EditorBanners";
import { DeployDialog, ImportDialog, PublishDialog, RenameDialog } from "@/components/editor/editor-dialogs";
import { type EditorDialog, EditorHeader } from "@/components/editor/EditorHeader";
import { SidePanel } from "@/components/editor/SidePanel";
import { useEditorActions } from "@/components/editor/use-editor-actions";
import { useEditorCommands } from "@/components/editor/use-editor-commands";
import { useEditorProblems } from "@/components/editor/use-editor-problems";

// The pipeline editor page: state (graph history, selection, overlay, dialogs) and its wiring. The
// pieces live in components/editor (toolbar, banners, side and bottom panels, dialogs, the command,
// problem and server-action hooks) and components/canvas (the canvas and its panels).

export function PipelineEditor(props: { workspaceId: string; pipelineId: string }) {
  return (
    <ReactFlowProvider>
      <EditorLoader {...props} />
    </ReactFlowProvider>
  );
}

function EditorLoader({ workspaceId, pipelineId }: { workspaceId: string; pipelineId: string }) {
  const trpc = useTRPC();
  const workspace = useQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const pipeline = useQuery(useFreshDraftQuery(workspaceId, pipelineId));
  if (workspace.error || pipeline.error) {
    return (
      <div className="flex min-h-screen items-center justify-center p-8">
        <div className="card max-w-md p-8 text-center" role="alert">
          <h1 className="text-lg font-semibold">Pipeline not found</h1>
          <p className="mt-1 text-sm text-slate-500">
            It does not exist, was deleted, or you are not a member of this workspace.
          </p>
          <Link href={`/w/${workspaceId}`} className="btn-secondary mt-4">
            Back to pipelines
          </Link>
        </div>
      </div>
    );
  }
  if (!workspace.data || !pipeline.data || !pipeline.isFetchedAfterMount) {
    return (
      <div className="flex h-screen flex-col" aria-busy="true" aria-label="Loading pipeline">
        <div className="h-14 border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900" />
        <div className="flex flex-1">
          <div className="w-60 space-y-2 border-r border-slate-200 p-3 dark:border-slate-800">
            {Array.from({ length: 8 }, (_, i) => (
              <div key={i} className="skeleton h-10" />
            ))}
          </div>
          <div className="flex-1 p-10">
            <div className="skeleton h-full w-full opacity-40" />
          </div>
        </div>
      </div>
    );
  }
  return (
    <Editor
      workspaceId={workspaceId}
      pipelineId={pipelineId}
      scopes={new Set(workspace.data.scopes)}
      initial={pipeline.data}
    />
  );
}

type Loaded = {
  name: string;
  description: string;
  draft: PipelineGraph;
  draftRevision: number;
  latestVersion: { id: string; number: number } | null;
};

function download(filename: string, value: unknown) {
  downloadFile(filename, JSON.stringify(value, null, 2), "application/json");
}

function fileName(name: string) {
  return `${
    name
      .replace(/[^A-Za-z0-9_-]+/g, "-")
      .replace(/^-|-$/g, "")
      .toLowerCase() || "pipeline"
  }.sluice.json`;
}

function Editor({
  workspaceId,
  pipelineId,
  scopes,
  initial,
}: {
  workspaceId: string;
  pipelineId: string;
  scopes: ReadonlySet<string>;
  initial: Loaded;
}) {
  const trpc = useTRPC();
  const { toast } = useToast();
  const flow = useReactFlow();
  const canEdit = scopes.has("pipeline:update");
  const canPublish = scopes.has("version:publish");
  const canDeploy = scopes.has("deployment:create");
  const canStop = scopes.has("deployment:stop");
  const canPreview = scopes.has("pipeline:preview");
  const canReadSecrets = scopes.has("secret:read");
  const canSeeDeployments = scopes.has("deployment:read");
  const canSeeMetrics = scopes.has("metrics:read");

  const history = useGraphHistory(initial.draft ?? EMPTY_GRAPH);
  const { graph, edit, undo, redo, reset } = history;
  const [selection, setSelection] = useState<Selection>(() => storedSelection(pipelineId, history.graph));
  const { initialViewport, onViewportChange } = useEditorView(pipelineId, history.graph, selection);
  const [overlay, setOverlay] = useState<CanvasOverlay | null>(null);
  const [drawer, setDrawer] = useState<"versions" | null>(null);
  const [dialog, setDialog] = useState<EditorDialog | null>(null);
  const [focusField, setFocusField] = useState<string | null>(null);
  const sizes = useRef(new Map<string, { width: number; height: number }>());
  // Monitoring mode: the canvas is read-only and a node click opens its live detail drawer.
  const [monitoring, setMonitoring] = useState(false);
  const [liveNodeId, setLiveNodeId] = useState<string | null>(null);
  const [liveStore] = useState(() => new LiveStore(workspaceId, pipelineId));
  const readOnly = !canEdit || overlay !== null || monitoring;

  // Later refetches of the pipeline must not move the save base: that would hide others' saves.
  const [loaded] = useState(() => ({ graph: history.graph, revision: initial.draftRevision }));
  const autosave = useAutosave({ workspaceId, pipelineId, graph, saved: loaded, enabled: canEdit });
  const { adopt } = autosave;

  const shown = overlay?.graph ?? graph;
  const { problems, problemIndex, errorCount, blocked } = useEditorProblems(
    workspaceId,
    scopes,
    graph,
    overlay !== null,
  );

  const pipeline = useQuery({
    ...trpc.pipeline.get.queryOptions({ workspaceId, pipelineId }),
    refetchOnWindowFocus: false,
  });
  const latestVersion = pipeline.data?.latestVersion ?? initial.latestVersion;
  const name = pipeline.data?.name ?? initial.name;
  const status = useQuery({
    ...trpc.deployment.status.queryOptions({ workspaceId, pipelineId }),
    enabled: canSeeDeployments,
    refetchInterval: 5_000,
  });
  const deployment = status.data;
  const running = deployment?.desiredState === "running";
  // Live figures on the canvas while a deployment runs (not over a versions overlay).
  const live = running && canSeeMetrics && !overlay;
  const openLiveNode = useCallback((nodeId: string) => {
    setLiveNodeId(nodeId);
    setDrawer(null);
  }, []);
  const liveNode = live && liveNodeId ? shown.nodes.find((n) => n.id === liveNodeId) : undefined;
  // A deployment that stops ends monitoring mode, or the canvas would stay read-only without its toggle.
  useEffect(() => {
    if (!live) setMonitoring(false);
  }, [live]);

  const selectedNode = selection.nodes.size === 1 ? shown.nodes.find((n) => selection.nodes.has(n.id)) : undefined;

  const openHelp = useCallback(() => setDialog("help"), []);
  const { layout, addFromPalette } = useEditorCommands({
    graph,
    shown,
    edit,
    undo,
    redo,
    readOnly,
    selection,
    setSelection,
    sizes,
    dialogOpen: dialog !== null,
    openHelp,
    save: autosave.flush,
  });

  // Clicking a problem selects its node, then focuses the field once the form has rendered.
  useEffect(() => {
    if (!focusField || !selectedNode) return;
    const timer = setTimeout(() => {
      const el = document.getElementById(fieldDomId(selectedNode.id, focusField));
      el?.focus();
      el?.scrollIntoView({ block: "center", behavior: "smooth" });
      setFocusField(null);
    }, 50);
    return () => clearTimeout(timer);
  }, [focusField, selectedNode]);

  const onProblem = useCallback(
    (p: GraphProblem) => {
      setOverlay(null);
      if (p.nodeId) {
        setSelection({ nodes: new Set([p.nodeId]), edges: new Set() });
        const node = graph.nodes.find((n) => n.id === p.nodeId);
        if (node)
          void flow.setCenter(node.position.x + 120, node.position.y + 50, {
            zoom: Math.max(flow.getZoom(), 0.9),
            duration: 300,
          });
        if (p.field !== undefined) setFocusField(p.field);
      } else if (p.edgeId) {
        setSelection({ nodes: new Set(), edges: new Set([p.edgeId]) });
      }
    },
    [flow, graph.nodes],
  );

  // ----- server actions -----
  const replaceDraft = useCallback(
    (draft: PipelineGraph, revision: number) => {
      reset(draft);
      adopt(draft, revision);
      setSelection(EMPTY_SELECTION);
    },
    [adopt, reset],
  );
  const hasIngest = graph.nodes.some((n) => n.type === "http-ingest");
  const { reload, publish, rename, deploy, stop } = useEditorActions({
    workspaceId,
    pipelineId,
    replaceDraft,
    // An HTTP-ingest pipeline is only useful once clients send to it: say how, right away.
    afterDeploy: () => setDialog(hasIngest ? "send-events" : null),
    closeDialog: () => setDialog(null),
    refetchStatus: () => status.refetch(),
  });
  const [publishBlocked, setPublishBlocked] = useState<string | null>(null);
  const closeServerDialog = () => {
    publish.reset();
    deploy.reset();
    setPublishBlocked(null);
    setDialog(null);
  };
  const showRefusedNode = (nodeId: string) => {
    closeServerDialog();
    onProblem(
      problems.find((p) => p.nodeId === nodeId) ?? { code: "graph.invalid", severity: "error", message: "", nodeId },
    );
  };
  const refusedNodes = (error: { data?: unknown } | null) =>
    refusedNodeIds(error).map((id) => ({ id, label: graph.nodes.find((n) => n.id === id)?.label ?? id }));

  /** Exports what the canvas shows: the draft (saved or not), or the version being viewed. */
  function exportDraft() {
    const graphToExport = overlay && !overlay.diff ? overlay.graph : graph;
    download(fileName(name), {
      format: "sluice.pipeline",
      formatVersion: 1,
      name,
      description: pipeline.data?.description ?? initial.description ?? "",
      graph: graphToExport,
    });
  }

  function importInto(text: string): string | null {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return `Not JSON: ${(e as Error).message}`;
    }
    const parsed = PipelineDocument.safeParse(json);
    if (!parsed.success)
      return parsed.error.issues.map((i) => `${i.path.join(".") || "document"}: ${i.message}`).join("\n");
    edit(() => parsed.data.graph);
    setSelection(EMPTY_SELECTION);
    setTimeout(() => void flow.fitView({ padding: 0.25 }), 50);
    toast(`Imported ${parsed.data.graph.nodes.length} nodes into the draft (undo with Ctrl+Z)`, "success");
    return null;
  }

  const saveState = autosave.state;
  return (
    <div className="flex h-screen flex-col overflow-hidden">
      <EditorHeader
        workspaceId={workspaceId}
        pipelineId={pipelineId}
        name={name}
        latestVersion={latestVersion}
        deployment={deployment}
        can={{
          edit: canEdit,
          publish: canPublish,
          deploy: canDeploy,
          stop: canStop,
          seeAlerts: scopes.has("alert:read"),
        }}
        saveState={saveState}
        lastSaveError={autosave.lastError}
        canUndo={history.canUndo}
        canRedo={history.canRedo}
        undo={undo}
        redo={redo}
        readOnly={readOnly}
        graphEmpty={graph.nodes.length === 0}
        layout={layout}
        exportDraft={exportDraft}
        exportGraph={overlay && !overlay.diff ? overlay.graph : graph}
        versionsOpen={drawer === "versions"}
        toggleVersions={() => setDrawer((d) => (d === "versions" ? null : "versions"))}
        live={live}
        monitoring={monitoring}
        toggleMonitoring={() => {
          setMonitoring((m) => !m);
          setSelection(EMPTY_SELECTION);
        }}
        blocked={blocked}
        errorCount={errorCount}
        running={running}
        hasIngest={hasIngest}
        deployPending={deploy.isPending}
        stopPending={stop.isPending}
        onStop={() => stop.mutate({ workspaceId, pipelineId })}
        openDialog={setDialog}
      />
      {scopes.has("alert:read") && <AlertBanner workspaceId={workspaceId} pipelineId={pipelineId} />}
      {live && (
        <LiveFeed
          workspaceId={workspaceId}
          pipelineId={pipelineId}
          graph={graph}
          fallback={statusFromDeployment(deployment?.status)}
          store={liveStore}
        />
      )}

      {autosave.conflict && (
        <ConflictBanner conflict={autosave.conflict} onDownload={exportDraft} onReload={() => void reload()} />
      )}
      {overlay && <OverlayBanner overlay={overlay} onBack={() => setOverlay(null)} />}

      <LiveStoreContext.Provider value={live ? liveStore : null}>
        <OpenNodeContext.Provider value={live ? openLiveNode : null}>
          <div className="flex min-h-0 flex-1">
            {canEdit && !overlay && !monitoring && <Palette onAdd={addFromPalette} />}
            <div className="flex min-w-0 flex-1 flex-col">
              <div className="relative min-h-0 flex-1">
                <PipelineCanvas
                  graph={shown}
                  problems={problemIndex}
                  readOnly={readOnly}
                  selection={selection}
                  onSelectionChange={setSelection}
                  onEdit={edit}
                  sizes={sizes}
                  diff={overlay?.diff}
                  onRefused={(reason) => toast(reason, "error")}
                  live={live}
                  onNodeOpen={live && monitoring ? openLiveNode : undefined}
                  initialViewport={initialViewport}
                  onViewportChange={onViewportChange}
                  drawerOpen={liveNode !== undefined}
                />
              </div>
              <BottomPanel
                workspaceId={workspaceId}
                graph={graph}
                problems={problems}
                errorCount={errorCount}
                onProblem={onProblem}
                canPreview={canPreview}
                selectedNodeId={selectedNode?.id ?? null}
                onSelectNode={(id) => setSelection({ nodes: new Set([id]), edges: new Set() })}
              />
            </div>
            <SidePanel
              workspaceId={workspaceId}
              pipelineId={pipelineId}
              graph={graph}
              shown={shown}
              liveNode={liveNode}
              closeLiveNode={() => setLiveNodeId(null)}
              versionsOpen={drawer === "versions"}
              overlay={overlay}
              canEdit={canEdit}
              baseRevision={autosave.revision}
              onShowOverlay={(o) => {
                setOverlay(o);
                setSelection(EMPTY_SELECTION);
                setTimeout(() => void flow.fitView({ padding: 0.25 }), 50);
              }}
              onRestored={() => void reload()}
              onCloseVersions={() => {
                setDrawer(null);
                setOverlay(null);
              }}
              selectedNode={selectedNode}
              monitoring={monitoring}
              problemIndex={problemIndex}
              readOnly={readOnly}
              canReadSecrets={canReadSecrets}
              edit={edit}
              clearSelection={() => setSelection(EMPTY_SELECTION)}
            />
          </div>
        </OpenNodeContext.Provider>
      </LiveStoreContext.Provider>

      {dialog === "help" && <ShortcutsHelp onClose={() => setDialog(null)} />}
      {dialog === "rename" && (
        <RenameDialog
          name={name}
          description={pipeline.data?.description ?? initial.description ?? ""}
          pending={rename.isPending}
          onClose={() => setDialog(null)}
          onRename={(next, description) => rename.mutate({ workspaceId, pipelineId, name: next, description })}
        />
      )}
      {dialog === "settings" && (
        <PipelineSettingsDialog
          workspaceId={workspaceId}
          pipelineId={pipelineId}
          canEdit={canEdit}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "import" && <ImportDialog onImport={importInto} onClose={() => setDialog(null)} />}
      {dialog === "publish" && (
        <PublishDialog
          pending={publish.isPending}
          nextNumber={(latestVersion?.number ?? 0) + 1}
          error={publishBlocked ?? publish.error?.message}
          errorNodes={refusedNodes(publish.error)}
          onShowNode={showRefusedNode}
          onClose={closeServerDialog}
          onPublish={async (message) => {
            setPublishBlocked(null);
            if (!(await autosave.flush())) {
              setPublishBlocked(
                "The draft could not be saved, so there is nothing new to publish. Check the save status, then try again.",
              );
              return;
            }
            publish.mutate({ workspaceId, pipelineId, message, baseRevision: autosave.revision() });
          }}
        />
      )}
      {dialog === "deploy" && latestVersion && (
        <DeployDialog
          versionNumber={latestVersion.number}
          pending={deploy.isPending}
          error={deploy.error?.message}
          errorNodes={refusedNodes(deploy.error)}
          onShowNode={showRefusedNode}
          onClose={closeServerDialog}
          onDeploy={(startFrom) => deploy.mutate({ workspaceId, pipelineId, versionId: latestVersion.id, startFrom })}
        />
      )}
      {dialog === "send-events" && (
        <SendEventsDialog
          workspaceId={workspaceId}
          graph={graph}
          canReadKeys={scopes.has("apikey:read")}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
