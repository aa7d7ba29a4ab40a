"use client";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import {
  hasErrors,
  isNodeTypeId,
  nodeRegistry,
  PipelineDocument,
  validateGraph,
  type GraphProblem,
  type PipelineGraph,
} from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { ThemeToggle } from "@/components/ThemeToggle";
import { Dialog } from "@/components/forms/Dialog";
import { DialogError, refusedNodeIds } from "@/components/forms/DialogError";
import { fieldDomId } from "@/components/forms/ConfigForm";
import { autoLayout } from "@/components/canvas/auto-layout";
import { deploymentBadge } from "@/components/canvas/deployment-badge";
import { cloneSubgraph, createNode, EMPTY_GRAPH, indexProblems, updateNode } from "@/components/canvas/graph-model";
import { InspectorPanel } from "@/components/canvas/InspectorPanel";
import { Palette } from "@/components/canvas/Palette";
import { EMPTY_SELECTION, PipelineCanvas, type Selection } from "@/components/canvas/PipelineCanvas";
import { PipelineSettingsDialog } from "@/components/canvas/PipelineSettingsDialog";
import { PreviewPanel } from "@/components/canvas/PreviewPanel";
import { ProblemsPanel } from "@/components/canvas/ProblemsPanel";
import { ShortcutsHelp } from "@/components/canvas/ShortcutsHelp";
import { useAutosave, useFreshDraftQuery, type SaveState } from "@/components/canvas/use-autosave";
import { storedSelection, useEditorView } from "@/components/canvas/use-editor-view";
import { useGraphHistory } from "@/components/canvas/use-graph-history";
import { VersionsDrawer, type CanvasOverlay } from "@/components/canvas/VersionsDrawer";
import { LiveFeed } from "@/components/canvas/LiveFeed";
import { statusFromDeployment } from "@/components/canvas/live-overlay";
import { LiveStore, LiveStoreContext, OpenNodeContext } from "@/components/canvas/live-store";
import { NodeDetailDrawer } from "@/components/canvas/NodeDetailDrawer";
import { AlertBanner, AlertBell } from "@/components/monitoring/alerts";
import { RedpandaConnectExport } from "@/components/canvas/RedpandaConnectExport";
import { downloadFile } from "@/lib/download-file";
import { SendEventsDialog } from "@/components/canvas/SendEventsDialog";
import { useKnownCredentials } from "@/components/canvas/use-known-credentials";

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
          <p className="mt-1 text-sm text-slate-500">It does not exist, was deleted, or you are not a member of this workspace.</p>
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
  return <Editor workspaceId={workspaceId} pipelineId={pipelineId} scopes={new Set(workspace.data.scopes)} initial={pipeline.data} />;
}

type Loaded = { name: string; description: string; draft: PipelineGraph; draftRevision: number; latestVersion: { id: string; number: number } | null };

const SAVE_LABEL: Record<SaveState, string> = { saved: "Saved", unsaved: "Unsaved", saving: "Saving…", conflict: "Conflict", error: "Not saved" };
const SAVE_DOT: Record<SaveState, string> = { saved: "bg-emerald-500", unsaved: "bg-amber-400", saving: "bg-brand-500 animate-pulse", conflict: "bg-red-600", error: "bg-red-600" };

/** The clipboard survives switching pipelines in the same tab, like n8n's. */
let clipboard: PipelineGraph | null = null;

function download(filename: string, value: unknown) {
  downloadFile(filename, JSON.stringify(value, null, 2), "application/json");
}

function fileName(name: string) {
  return `${name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-|-$/g, "").toLowerCase() || "pipeline"}.sluice.json`;
}

function Editor({ workspaceId, pipelineId, scopes, initial }: { workspaceId: string; pipelineId: string; scopes: ReadonlySet<string>; initial: Loaded }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
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
  const [bottom, setBottom] = useState<"problems" | "preview" | null>(null);
  const [drawer, setDrawer] = useState<"versions" | null>(null);
  const [dialog, setDialog] = useState<"publish" | "deploy" | "send-events" | "help" | "import" | "rename" | "settings" | null>(null);
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
  // The workspace's namespace, Kafka connections and credentials, so the canvas flags what publish and deploy refuse.
  const workspace = useQuery({ ...trpc.workspace.get.queryOptions({ workspaceId }), refetchOnWindowFocus: false });
  const connections = useQuery(trpc.kafkaConnection.list.queryOptions({ workspaceId }));
  const slug = workspace.data?.slug;
  const connectionIds = useMemo(() => connections.data?.map((c) => c.id), [connections.data]);
  const registries = useQuery(trpc.schemaRegistry.list.queryOptions({ workspaceId }));
  const registryIds = useMemo(() => registries.data?.map((r) => r.id), [registries.data]);
  const credentials = useKnownCredentials(workspaceId, scopes);
  const problems = useMemo(
    () => validateGraph(graph, { ...(slug ? { slug } : {}), ...(connectionIds ? { connectionIds } : {}), ...(registryIds ? { registryIds } : {}), ...(credentials ? { credentials } : {}) }),
    [graph, slug, connectionIds, registryIds, credentials],
  );
  const shownProblems = useMemo(() => (overlay ? [] : problems), [overlay, problems]);
  const problemIndex = useMemo(() => indexProblems(shownProblems), [shownProblems]);
  const errorCount = problems.filter((p) => p.severity === "error").length;
  const blocked = hasErrors(problems);

  const pipeline = useQuery({ ...trpc.pipeline.get.queryOptions({ workspaceId, pipelineId }), refetchOnWindowFocus: false });
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

  // ----- editing commands -----
  const copy = useCallback(() => {
    const nodes = graph.nodes.filter((n) => selection.nodes.has(n.id));
    if (nodes.length === 0) return;
    const ids = new Set(nodes.map((n) => n.id));
    clipboard = { nodes, edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
    toast(`Copied ${nodes.length} node${nodes.length === 1 ? "" : "s"}`);
  }, [graph, selection.nodes, toast]);

  const paste = useCallback(
    (source: PipelineGraph | null) => {
      if (!source || readOnly) return;
      let created: string[] = [];
      edit((g) => {
        const result = cloneSubgraph(g, source, 40);
        created = result.newIds;
        return result.graph;
      });
      // `edit` runs the updater synchronously inside setState; select the copies on the next tick.
      setTimeout(() => setSelection({ nodes: new Set(created), edges: new Set() }), 0);
    },
    [edit, readOnly],
  );

  const duplicate = useCallback(() => {
    const nodes = graph.nodes.filter((n) => selection.nodes.has(n.id));
    const ids = new Set(nodes.map((n) => n.id));
    paste({ nodes, edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) });
  }, [graph, paste, selection.nodes]);

  const layout = useCallback(() => {
    if (readOnly) return;
    edit((g) => autoLayout(g, sizes.current));
    setTimeout(() => void flow.fitView({ padding: 0.25, duration: 300 }), 50);
  }, [edit, flow, readOnly]);

  const addFromPalette = useCallback(
    (type: string) => {
      if (!isNodeTypeId(type)) return;
      const center = flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
      const node = createNode(nodeRegistry[type], { x: center.x - 120 + graph.nodes.length * 10, y: center.y - 40 }, new Set(graph.nodes.map((n) => n.id)));
      edit((g) => ({ ...g, nodes: [...g.nodes, node] }));
      setSelection({ nodes: new Set([node.id]), edges: new Set() });
    },
    [edit, flow, graph.nodes],
  );

  // ----- keyboard shortcuts (canvas-wide; typing in fields keeps native behaviour) -----
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest("input, textarea, select, [contenteditable=true]") || dialog) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "z" && !e.shiftKey) {
        e.preventDefault();
        if (!readOnly) undo();
      } else if (mod && ((key === "z" && e.shiftKey) || key === "y")) {
        e.preventDefault();
        if (!readOnly) redo();
      } else if (mod && key === "c") copy();
      else if (mod && key === "v") paste(clipboard);
      else if (mod && key === "d") {
        e.preventDefault();
        duplicate();
      } else if (mod && key === "a") {
        e.preventDefault();
        setSelection({ nodes: new Set(shown.nodes.map((n) => n.id)), edges: new Set() });
      } else if (mod && key === "s") {
        e.preventDefault();
        void autosave.flush();
      } else if (e.shiftKey && key === "l") layout();
      else if (e.shiftKey && key === "f") void flow.fitView({ padding: 0.25, duration: 300 });
      else if (e.key === "?") setDialog("help");
      else if (e.key === "Escape") setSelection(EMPTY_SELECTION);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [autosave, copy, dialog, duplicate, flow, layout, paste, readOnly, redo, shown.nodes, undo]);

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
        if (node) void flow.setCenter(node.position.x + 120, node.position.y + 50, { zoom: Math.max(flow.getZoom(), 0.9), duration: 300 });
        if (p.field !== undefined) setFocusField(p.field);
      } else if (p.edgeId) {
        setSelection({ nodes: new Set(), edges: new Set([p.edgeId]) });
      }
    },
    [flow, graph.nodes],
  );

  // ----- server actions -----
  const reload = useCallback(async () => {
    const fresh = await queryClient.fetchQuery({ ...trpc.pipeline.get.queryOptions({ workspaceId, pipelineId }), staleTime: 0 });
    reset(fresh.draft);
    adopt(fresh.draft, fresh.draftRevision);
    setSelection(EMPTY_SELECTION);
  }, [adopt, pipelineId, queryClient, reset, trpc, workspaceId]);

  const publish = useMutation(
    trpc.version.publish.mutationOptions({
      onSuccess: (v) => {
        toast(`Published version ${v.number}`, "success");
        setDialog(null);
        void queryClient.invalidateQueries({ queryKey: trpc.pipeline.get.queryKey({ workspaceId, pipelineId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.version.list.queryKey({ workspaceId, pipelineId }) });
      },
      // Refusals show inside the publish dialog (DialogError), where the user is looking.
    }),
  );
  const rename = useMutation(
    trpc.pipeline.rename.mutationOptions({
      onSuccess: () => {
        setDialog(null);
        void queryClient.invalidateQueries({ queryKey: trpc.pipeline.get.queryKey({ workspaceId, pipelineId }) });
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );
  const hasIngest = graph.nodes.some((n) => n.type === "http-ingest");
  const [publishBlocked, setPublishBlocked] = useState<string | null>(null);
  const closeServerDialog = () => {
    publish.reset();
    deploy.reset();
    setPublishBlocked(null);
    setDialog(null);
  };
  const showRefusedNode = (nodeId: string) => {
    closeServerDialog();
    onProblem(problems.find((p) => p.nodeId === nodeId) ?? { code: "graph.invalid", severity: "error", message: "", nodeId });
  };
  const refusedNodes = (error: { data?: unknown } | null) => refusedNodeIds(error).map((id) => ({ id, label: graph.nodes.find((n) => n.id === id)?.label ?? id }));
  const deploy = useMutation(
    trpc.deployment.deploy.mutationOptions({
      onSuccess: () => {
        toast("Deploy requested: the runner is starting the pipeline", "success");
        // An HTTP-ingest pipeline is only useful once clients send to it: say how, right away.
        setDialog(hasIngest ? "send-events" : null);
        void status.refetch();
      },
      // Refusals show inside the deploy dialog (DialogError), with buttons to the nodes concerned.
    }),
  );
  const stop = useMutation(
    trpc.deployment.stop.mutationOptions({
      onSuccess: () => {
        toast("Stop requested");
        void status.refetch();
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );

  /** Exports what the canvas shows: the draft (saved or not), or the version being viewed. */
  function exportDraft() {
    const graphToExport = overlay && !overlay.diff ? overlay.graph : graph;
    download(fileName(name), { format: "sluice.pipeline", formatVersion: 1, name, description: pipeline.data?.description ?? initial.description ?? "", graph: graphToExport });
  }

  function importInto(text: string): string | null {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return `Not JSON: ${(e as Error).message}`;
    }
    const parsed = PipelineDocument.safeParse(json);
    if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join(".") || "document"}: ${i.message}`).join("\n");
    edit(() => parsed.data.graph);
    setSelection(EMPTY_SELECTION);
    setTimeout(() => void flow.fitView({ padding: 0.25 }), 50);
    toast(`Imported ${parsed.data.graph.nodes.length} nodes into the draft (undo with Ctrl+Z)`, "success");
    return null;
  }

  const saveState = autosave.state;
  return (
    <div className="flex h-screen flex-col overflow-hidden">
      <header className="flex min-h-14 flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
        <Link href={`/w/${workspaceId}`} className="btn-ghost px-2" aria-label="Back to pipelines">
          ←
        </Link>
        <div className="min-w-0">
          <h1 className="flex items-center gap-1 truncate text-base font-semibold">
            <span data-testid="pipeline-name">{name}</span>
            {canEdit && (
              <button type="button" className="btn-ghost px-1 py-0 text-xs text-slate-400" aria-label="Rename pipeline" title="Rename" onClick={() => setDialog("rename")}>
                ✎
              </button>
            )}
          </h1>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            {latestVersion ? `Latest version v${latestVersion.number}` : "Never published"}
            {deployment && (
              <>
                {" · "}
                <span data-testid="deployment-status" title={deployment.statusReason ?? undefined} className={`rounded-full px-1.5 py-px font-medium ${deploymentBadge(deployment).className}`}>
                  {deploymentBadge(deployment).label} v{deployment.versionNumber}
                </span>
              </>
            )}
          </p>
        </div>
        {!canEdit && (
          <span data-testid="readonly-badge" className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-300" title="Your role can view this pipeline but not change it">
            Read-only
          </span>
        )}
        {canEdit && (
          <span role="status" data-testid="save-status" className="ml-1 flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400" title={autosave.lastError ?? undefined}>
            <span className={`h-2 w-2 rounded-full ${SAVE_DOT[saveState]}`} aria-hidden="true" />
            {SAVE_LABEL[saveState]}
          </span>
        )}
        <div className="ml-auto flex flex-wrap items-center gap-1">
          {canEdit && (
            <>
              <button type="button" className="btn-ghost px-2" onClick={undo} disabled={!history.canUndo || readOnly} aria-label="Undo" title="Undo (Ctrl+Z)">
                ↶
              </button>
              <button type="button" className="btn-ghost px-2" onClick={redo} disabled={!history.canRedo || readOnly} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">
                ↷
              </button>
              <button type="button" className="btn-ghost" onClick={layout} disabled={readOnly || graph.nodes.length === 0} title="Auto-layout (Shift+L)">
                Auto-layout
              </button>
            </>
          )}
          <button type="button" className="btn-ghost" onClick={() => void flow.fitView({ padding: 0.25, duration: 300 })} title="Zoom to fit (Shift+F)">
            Fit
          </button>
          <button type="button" className="btn-ghost px-2" onClick={() => setDialog("help")} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
            ⌨
          </button>
          <span className="mx-1 h-6 w-px bg-slate-200 dark:bg-slate-700" aria-hidden="true" />
          <button type="button" className="btn-ghost" onClick={exportDraft}>
            Export
          </button>
          <RedpandaConnectExport graph={overlay && !overlay.diff ? overlay.graph : graph} name={name} />
          {canEdit && (
            <button type="button" className="btn-ghost" onClick={() => setDialog("import")}>
              Import
            </button>
          )}
          <button type="button" className="btn-ghost" aria-pressed={drawer === "versions"} onClick={() => setDrawer((d) => (d === "versions" ? null : "versions"))}>
            Versions
          </button>
          <button type="button" className="btn-ghost" title="Partitions, retention, replication and batching" onClick={() => setDialog("settings")}>
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
              onClick={() => {
                setMonitoring((m) => !m);
                setSelection(EMPTY_SELECTION);
              }}
            >
              <span className={`mr-1 inline-block h-2 w-2 rounded-full ${monitoring ? "animate-pulse bg-emerald-500" : "bg-slate-400"}`} aria-hidden="true" />
              Monitor
            </button>
          )}
          {canPublish && (
            <button
              type="button"
              className="btn-secondary"
              disabled={blocked || saveState === "conflict"}
              title={blocked ? `Fix ${errorCount} error${errorCount === 1 ? "" : "s"} before publishing` : "Publish the draft as a new immutable version"}
              onClick={() => setDialog("publish")}
            >
              Publish
            </button>
          )}
          {canDeploy &&
            (running && canStop ? (
              <button type="button" className="btn-danger" disabled={stop.isPending} onClick={() => window.confirm("Stop this pipeline? Events keep accumulating in the source topics.") && stop.mutate({ workspaceId, pipelineId })}>
                Stop
              </button>
            ) : (
              <button type="button" className="btn-primary" disabled={!latestVersion || deploy.isPending} title={latestVersion ? `Deploy v${latestVersion.number}` : "Publish a version first"} onClick={() => setDialog("deploy")}>
                Deploy
              </button>
            ))}
          {running && hasIngest && (
            <button type="button" className="btn-ghost" onClick={() => setDialog("send-events")}>
              Send events
            </button>
          )}
          {scopes.has("alert:read") && <AlertBell workspaceId={workspaceId} />}
          <ThemeToggle />
        </div>
      </header>
      {scopes.has("alert:read") && <AlertBanner workspaceId={workspaceId} pipelineId={pipelineId} />}
      {live && <LiveFeed workspaceId={workspaceId} pipelineId={pipelineId} graph={graph} fallback={statusFromDeployment(deployment?.status)} store={liveStore} />}

      {autosave.conflict && (
        <div role="alert" data-testid="conflict-banner" className="flex flex-wrap items-center gap-3 border-b border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
          <strong>Someone else saved this pipeline.</strong>
          <span>{autosave.conflict} Your changes are not saved.</span>
          <span className="ml-auto flex gap-2">
            <button type="button" className="btn-secondary" onClick={exportDraft}>
              Download my copy
            </button>
            <button type="button" className="btn-danger" onClick={() => void reload()}>
              Reload their version
            </button>
          </span>
        </div>
      )}
      {overlay && (
        <div className="flex items-center gap-3 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100" data-testid="overlay-banner">
          <strong>{overlay.title}</strong>
          {overlay.diff && (
            <span className="flex gap-3 text-xs">
              <span className="text-emerald-700 dark:text-emerald-300">■ added</span>
              <span className="text-red-700 dark:text-red-300">■ removed</span>
              <span className="text-amber-700 dark:text-amber-300">■ changed</span>
            </span>
          )}
          <button type="button" className="btn-secondary ml-auto" onClick={() => setOverlay(null)}>
            Back to draft
          </button>
        </div>
      )}

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
          <div className={`flex flex-col border-t border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 ${bottom ? "h-72" : ""}`}>
            <div className="flex items-center gap-1 px-2 py-1" role="tablist" aria-label="Bottom panel">
              <button type="button" role="tab" aria-selected={bottom === "problems"} className="btn-ghost px-2 py-1 text-xs aria-selected:bg-slate-100 dark:aria-selected:bg-slate-800" onClick={() => setBottom((b) => (b === "problems" ? null : "problems"))}>
                Problems
                <span data-testid="problem-count" className={`rounded-full px-1.5 text-[10px] font-bold ${errorCount > 0 ? "bg-red-600 text-white" : problems.length > 0 ? "bg-amber-400 text-slate-900" : "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"}`}>
                  {problems.length}
                </span>
              </button>
              {canPreview && (
                <button type="button" role="tab" aria-selected={bottom === "preview"} className="btn-ghost px-2 py-1 text-xs aria-selected:bg-slate-100 dark:aria-selected:bg-slate-800" onClick={() => setBottom((b) => (b === "preview" ? null : "preview"))}>
                  Preview
                </button>
              )}
              {bottom && (
                <button type="button" className="btn-ghost ml-auto px-2 py-1 text-xs" aria-label="Collapse panel" onClick={() => setBottom(null)}>
                  ▾
                </button>
              )}
            </div>
            {bottom === "problems" && (
              <div className="min-h-0 flex-1 overflow-y-auto border-t border-slate-200 dark:border-slate-800">
                <ProblemsPanel problems={problems} graph={graph} onSelect={onProblem} />
              </div>
            )}
            {bottom === "preview" && canPreview && (
              <div className="min-h-0 flex-1 border-t border-slate-200 dark:border-slate-800">
                <PreviewPanel workspaceId={workspaceId} graph={graph} selectedNodeId={selectedNode?.id ?? null} onSelectNode={(id) => setSelection({ nodes: new Set([id]), edges: new Set() })} />
              </div>
            )}
          </div>
        </div>
        {liveNode ? (
          <NodeDetailDrawer key={liveNode.id} node={liveNode} inputs={shown.edges.filter((e) => e.target === liveNode.id)} onClose={() => setLiveNodeId(null)} />
        ) : drawer === "versions" ? (
          <div className="flex">
            {overlay?.changes && <ChangesList changes={overlay.changes} />}
            <VersionsDrawer
              workspaceId={workspaceId}
              pipelineId={pipelineId}
              draft={graph}
              canRestore={canEdit}
              baseRevision={autosave.revision}
              onShow={(o) => {
                setOverlay(o);
                setSelection(EMPTY_SELECTION);
                setTimeout(() => void flow.fitView({ padding: 0.25 }), 50);
              }}
              onRestored={() => void reload()}
              onClose={() => {
                setDrawer(null);
                setOverlay(null);
              }}
            />
          </div>
        ) : (
          selectedNode &&
          !monitoring && (
            <InspectorPanel
              key={selectedNode.id}
              node={selectedNode}
              workspaceId={workspaceId}
              problems={problemIndex.byNode.get(selectedNode.id) ?? []}
              readOnly={readOnly}
              canReadSecrets={canReadSecrets}
              onLabel={(label) => edit((g) => updateNode(g, selectedNode.id, (n) => ({ ...n, label: label || undefined })), `label:${selectedNode.id}`)}
              onConfig={(config, field) => edit((g) => updateNode(g, selectedNode.id, (n) => ({ ...n, config })), `config:${selectedNode.id}:${field}`)}
              onClose={() => setSelection(EMPTY_SELECTION)}
            />
          )
        )}
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
      {dialog === "settings" && <PipelineSettingsDialog workspaceId={workspaceId} pipelineId={pipelineId} canEdit={canEdit} onClose={() => setDialog(null)} />}
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
              setPublishBlocked("The draft could not be saved, so there is nothing new to publish. Check the save status, then try again.");
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
      {dialog === "send-events" && <SendEventsDialog workspaceId={workspaceId} graph={graph} canReadKeys={scopes.has("apikey:read")} onClose={() => setDialog(null)} />}
    </div>
  );
}

function ChangesList({ changes }: { changes: NonNullable<CanvasOverlay["changes"]> }) {
  const count = changes.nodes.added.length + changes.nodes.removed.length + changes.nodes.changed.length + changes.edges.added.length + changes.edges.removed.length;
  return (
    <section aria-label="Changes" className="w-72 overflow-y-auto border-l border-slate-200 bg-slate-50 p-4 text-sm dark:border-slate-800 dark:bg-slate-950" data-testid="diff-changes">
      <h3 className="mb-2 font-semibold">{count === 0 ? "No changes" : `${count} change${count === 1 ? "" : "s"}`}</h3>
      <ul className="space-y-2">
        {changes.nodes.added.map((n) => (
          <li key={`a-${n.id}`} className="text-emerald-700 dark:text-emerald-300">+ node {n.label ?? n.id}</li>
        ))}
        {changes.nodes.removed.map((n) => (
          <li key={`r-${n.id}`} className="text-red-700 dark:text-red-300">− node {n.label ?? n.id}</li>
        ))}
        {changes.nodes.changed.map((c) => (
          <li key={`c-${c.nodeId}`}>
            <span className="text-amber-700 dark:text-amber-300">~ {c.label}</span>
            <ul className="mt-1 ml-3 space-y-1 font-mono text-[11px]">
              {c.changes.map((f) => (
                <li key={f.path}>
                  <span className="text-slate-500">{f.path}:</span> <del className="text-red-600">{JSON.stringify(f.before) ?? "∅"}</del> → <ins className="text-emerald-700 no-underline dark:text-emerald-400">{JSON.stringify(f.after) ?? "∅"}</ins>
                </li>
              ))}
            </ul>
          </li>
        ))}
        {changes.edges.added.map((e) => (
          <li key={`ea-${e.id}`} className="text-emerald-700 dark:text-emerald-300">+ edge {e.source}.{e.sourcePort} → {e.target}</li>
        ))}
        {changes.edges.removed.map((e) => (
          <li key={`er-${e.id}`} className="text-red-700 dark:text-red-300">− edge {e.source}.{e.sourcePort} → {e.target}</li>
        ))}
      </ul>
    </section>
  );
}

function RenameDialog({ name, description, pending, onClose, onRename }: { name: string; description: string; pending: boolean; onClose: () => void; onRename: (name: string, description: string) => void }) {
  const [nextName, setNextName] = useState(name);
  const [nextDescription, setNextDescription] = useState(description);
  return (
    <Dialog title="Rename pipeline" onClose={onClose}>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          onRename(nextName.trim(), nextDescription);
        }}
      >
        <div>
          <label htmlFor="rename-name" className="label">
            Name
          </label>
          <input id="rename-name" className="input" required maxLength={120} value={nextName} onChange={(e) => setNextName(e.target.value)} />
        </div>
        <div>
          <label htmlFor="rename-description" className="label">
            Description
          </label>
          <textarea id="rename-description" className="input min-h-16" maxLength={2000} value={nextDescription} onChange={(e) => setNextDescription(e.target.value)} />
        </div>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending || !nextName.trim()}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type RefusalProps = { error: string | null | undefined; errorNodes: { id: string; label: string }[]; onShowNode: (nodeId: string) => void };

function PublishDialog({ pending, nextNumber, error, errorNodes, onShowNode, onClose, onPublish }: { pending: boolean; nextNumber: number; onClose: () => void; onPublish: (message: string) => void } & RefusalProps) {
  const [message, setMessage] = useState("");
  return (
    <Dialog title={`Publish version ${nextNumber}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onPublish(message);
        }}
        className="space-y-4"
      >
        <p className="text-sm text-slate-600 dark:text-slate-400">A version is an immutable snapshot of the draft. Deploys always run a version, and you can roll back to any of them.</p>
        <div>
          <label htmlFor="publish-message" className="label">
            What changed?
          </label>
          <textarea id="publish-message" className="input min-h-20" maxLength={500} value={message} onChange={(e) => setMessage(e.target.value)} placeholder="Filter out bot traffic before sessionizing" />
        </div>
        <DialogError message={error} nodes={errorNodes} onShowNode={onShowNode} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending}>
            {pending ? "Publishing…" : "Publish"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeployDialog({ versionNumber, pending, error, errorNodes, onShowNode, onClose, onDeploy }: { versionNumber: number; pending: boolean; onClose: () => void; onDeploy: (start: "resume" | "earliest" | "latest") => void } & RefusalProps) {
  const [start, setStart] = useState<"resume" | "earliest" | "latest">("resume");
  const options = {
    resume: "Resume where the previous deployment stopped (default)",
    earliest: "Reprocess everything still retained in the source topics (window and dedup state start over)",
    latest: "Skip what is waiting; only new events from now on",
  } as const;
  return (
    <Dialog title={`Deploy version ${versionNumber}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onDeploy(start);
        }}
        className="space-y-4"
      >
        <fieldset className="space-y-2">
          <legend className="label">Start from</legend>
          {(Object.keys(options) as (keyof typeof options)[]).map((key) => (
            <label key={key} className="flex items-start gap-2 text-sm">
              <input type="radio" name="start" className="mt-1" checked={start === key} onChange={() => setStart(key)} />
              <span>
                <span className="font-medium">{key}</span> <span className="text-slate-500">{options[key]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <DialogError message={error} nodes={errorNodes} onShowNode={onShowNode} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending}>
            {pending ? "Deploying…" : "Deploy"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ImportDialog({ onImport, onClose }: { onImport: (text: string) => string | null; onClose: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Import into this pipeline" onClose={onClose} wide>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const problem = onImport(text);
          if (problem) setError(problem);
          else onClose();
        }}
      >
        <p className="text-sm text-slate-600 dark:text-slate-400">Replaces the draft&apos;s graph with the one in a Sluice export. You can undo it.</p>
        <div>
          <label htmlFor="import-file" className="label">
            File
          </label>
          <input id="import-file" type="file" accept="application/json,.json" className="text-sm" onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? "")} />
        </div>
        <div>
          <label htmlFor="import-text" className="label">
            Or paste JSON
          </label>
          <textarea id="import-text" className="input h-40 font-mono text-xs" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        {error && (
          <pre role="alert" className="max-h-40 overflow-auto rounded-md bg-red-50 p-2 text-xs whitespace-pre-wrap text-red-800 dark:bg-red-950 dark:text-red-200">
            {error}
          </pre>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={!text.trim()}>
            Import
          </button>
        </div>
      </form>
    </Dialog>
  );
}
