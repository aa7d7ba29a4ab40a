"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDeferredValue, useEffect, useMemo, useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { pipelineTemplates, templateCredentials } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { Dialog } from "@/components/forms/Dialog";
import { DialogError } from "@/components/forms/DialogError";
import { CopyOnce } from "@/components/settings/CopyOnce";
import {
  creatableCredentials,
  defaultChoice,
  TemplateCredentials,
  useCredentialLists,
  type CredentialChoice,
} from "@/components/pipelines/TemplateCredentials";
import { deploymentBadge } from "@/components/canvas/deployment-badge";

function ago(value: Date | string): string {
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (seconds < 60) return rtf.format(-seconds, "second");
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
  return rtf.format(-Math.round(seconds / 86400), "day");
}

export function PipelineList({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const [search, setSearch] = useState("");
  const deferredSearch = useDeferredValue(search.trim());
  const [dialog, setDialog] = useState<"new" | "import" | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const workspace = useQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const pipelines = useQuery({
    ...trpc.pipeline.list.queryOptions({ workspaceId, ...(deferredSearch ? { search: deferredSearch } : {}) }),
    placeholderData: keepPreviousData,
  });
  const scopes = new Set(workspace.data?.scopes ?? []);
  const canCreate = scopes.has("pipeline:create");
  const canDelete = scopes.has("pipeline:delete");
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.pipeline.list.pathKey() });

  const duplicate = useMutation(
    trpc.pipeline.duplicate.mutationOptions({
      onSuccess: () => {
        toast("Pipeline duplicated", "success");
        void invalidate();
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );
  const remove = useMutation(
    trpc.pipeline.delete.mutationOptions({
      onSuccess: () => {
        toast("Pipeline deleted", "success");
        setDeleting(null);
        void invalidate();
      },
      onError: (e) => toast(e.message, "error"),
    }),
  );

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

  const rows = pipelines.data ?? [];
  return (
    <div className="mx-auto max-w-6xl p-8">
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Pipelines</h1>
          <p className="text-sm text-slate-500 dark:text-slate-400">{workspace.data?.name ?? " "}</p>
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor="pipeline-search" className="sr-only">
            Search pipelines
          </label>
          <input
            id="pipeline-search"
            type="search"
            className="input w-56"
            placeholder="Search pipelines…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          {canCreate && (
            <>
              <button type="button" className="btn-secondary" onClick={() => setDialog("import")}>
                Import JSON
              </button>
              <button type="button" className="btn-primary" onClick={() => setDialog("new")}>
                New pipeline
              </button>
            </>
          )}
        </div>
      </div>
      {pipelines.isLoading ? (
        <div className="space-y-3" aria-busy="true" aria-label="Loading pipelines">
          {[0, 1, 2].map((i) => (
            <div key={i} className="skeleton h-16" />
          ))}
        </div>
      ) : rows.length > 0 ? (
        <div className="card overflow-hidden">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:bg-slate-900/60">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  Name
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Status
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Last deploy
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Owner
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Updated
                </th>
                <th scope="col" className="px-4 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map((p) => {
                const status = deploymentBadge(p.deployment);
                return (
                  <tr key={p.id} className="hover:bg-slate-50 dark:hover:bg-slate-800/40" data-testid="pipeline-row">
                    <td className="px-4 py-3">
                      <Link
                        href={`/w/${workspaceId}/p/${p.id}`}
                        className="font-medium text-slate-900 hover:text-brand-700 hover:underline dark:text-slate-100 dark:hover:text-brand-300"
                      >
                        {p.name}
                      </Link>
                      {p.description && <p className="max-w-md truncate text-xs text-slate-500">{p.description}</p>}
                    </td>
                    <td className="px-4 py-3">
                      <span
                        className={`rounded-full px-2 py-0.5 text-xs font-medium ${status.className}`}
                        title={p.deployment?.statusReason ?? undefined}
                      >
                        {status.label}
                      </span>
                      {p.latestVersion && (
                        <span className="ml-2 text-xs text-slate-500">v{p.latestVersion.number}</span>
                      )}
                    </td>
                    <td className="px-4 py-3 text-slate-600 dark:text-slate-400">
                      {p.deployment ? `v${p.deployment.versionNumber}, ${ago(p.deployment.updatedAt)}` : "Never"}
                    </td>
                    <td className="px-4 py-3 text-slate-600 dark:text-slate-400">{p.createdBy?.name ?? "—"}</td>
                    <td className="px-4 py-3 text-slate-600 dark:text-slate-400">
                      <time
                        dateTime={new Date(p.updatedAt).toISOString()}
                        title={new Date(p.updatedAt).toLocaleString()}
                      >
                        {ago(p.updatedAt)}
                      </time>
                    </td>
                    <td className="px-4 py-3 text-right whitespace-nowrap">
                      <Link
                        href={`/w/${workspaceId}/p/${p.id}`}
                        className="btn-ghost px-2 py-1 text-xs"
                        aria-label={`Open ${p.name}`}
                      >
                        Open
                      </Link>
                      {canCreate && (
                        <button
                          type="button"
                          className="btn-ghost px-2 py-1 text-xs"
                          aria-label={`Duplicate ${p.name}`}
                          disabled={duplicate.isPending}
                          onClick={() => duplicate.mutate({ workspaceId, pipelineId: p.id })}
                        >
                          Duplicate
                        </button>
                      )}
                      {canDelete && (
                        <button
                          type="button"
                          className="btn-ghost px-2 py-1 text-xs text-red-600 dark:text-red-400"
                          aria-label={`Delete ${p.name}`}
                          onClick={() => setDeleting({ id: p.id, name: p.name })}
                        >
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : deferredSearch ? (
        <div className="card p-10 text-center text-sm text-slate-500">No pipeline matches “{deferredSearch}”.</div>
      ) : (
        <div className="card flex flex-col items-center gap-3 p-12 text-center" data-testid="empty-pipelines">
          <div className="text-4xl" aria-hidden="true">
            ⇶
          </div>
          <h2 className="text-lg font-semibold">No pipelines yet</h2>
          <p className="max-w-md text-sm text-slate-500 dark:text-slate-400">
            A pipeline takes user-activity events from a source, transforms them and writes results to a sink, live.
          </p>
          {canCreate && (
            <button type="button" className="btn-primary mt-2" onClick={() => setDialog("new")}>
              Create your first pipeline
            </button>
          )}
        </div>
      )}

      {dialog === "new" && (
        <NewPipelineDialog
          workspaceId={workspaceId}
          scopes={scopes}
          onClose={() => setDialog(null)}
          onCreated={(id) => router.push(`/w/${workspaceId}/p/${id}`)}
        />
      )}
      {dialog === "import" && (
        <ImportPipelineDialog
          workspaceId={workspaceId}
          onClose={() => setDialog(null)}
          onCreated={(id) => router.push(`/w/${workspaceId}/p/${id}`)}
        />
      )}
      {deleting && (
        <Dialog title="Delete pipeline?" onClose={() => setDeleting(null)}>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            <strong>{deleting.name}</strong> will be removed from the list. Its versions and audit trail are kept.
            Running pipelines must be stopped first.
          </p>
          <div className="mt-4 flex justify-end gap-2">
            <button type="button" className="btn-secondary" onClick={() => setDeleting(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn-danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate({ workspaceId, pipelineId: deleting.id })}
            >
              Delete pipeline
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function NewPipelineDialog({
  workspaceId,
  scopes,
  onClose,
  onCreated,
}: {
  workspaceId: string;
  scopes: ReadonlySet<string>;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [templateId, setTemplateId] = useState<string>("");
  const [choices, setChoices] = useState<Record<string, CredentialChoice>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // An API key made here is shown once, before moving on to the new pipeline.
  const [created, setCreated] = useState<{ id: string; token: string } | null>(null);
  const createSecret = useMutation(trpc.secret.create.mutationOptions());
  const createKey = useMutation(trpc.apiKey.create.mutationOptions());
  const create = useMutation(trpc.pipeline.create.mutationOptions());
  const choicesList = [
    { id: "", name: "Blank canvas", description: "Start from nothing and drag nodes from the palette." },
    ...pipelineTemplates,
  ];
  const template = pipelineTemplates.find((t) => t.id === templateId);
  const needs = useMemo(() => (template ? templateCredentials(template) : []), [template]);
  const lists = useCredentialLists(workspaceId, scopes);
  const canCreate = creatableCredentials(scopes);
  const listsReady = lists !== undefined;
  // Preselect once per template, when the lists are in: the local stack's credentials, or new ones.
  useEffect(() => {
    if (!template || !lists) return;
    setChoices(
      Object.fromEntries(needs.map((need) => [need.placeholder, defaultChoice(need, lists, canCreate, template.id)])),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per template and list load, not on every refetch
  }, [template, needs, listsReady]);

  async function submit() {
    setError(null);
    setPending(true);
    try {
      const credentials: Record<string, string> = {};
      let token: string | null = null;
      for (const need of needs) {
        const choice = choices[need.placeholder];
        if (choice?.mode === "existing") credentials[need.placeholder] = choice.id;
        if (choice?.mode !== "new") continue;
        if (need.kind === "api-key") {
          const key = await createKey.mutateAsync({ workspaceId, name: choice.name.trim() });
          credentials[need.placeholder] = key.id;
          token = key.token;
        } else {
          const secret = await createSecret.mutateAsync({ workspaceId, name: choice.name.trim(), value: choice.value });
          credentials[need.placeholder] = secret.id;
        }
        // Made once: a retry after a later failure picks it instead of creating it again.
        setChoices((c) => ({ ...c, [need.placeholder]: { mode: "existing", id: credentials[need.placeholder]! } }));
      }
      // The editor validates against these lists: it must see what was just made.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.secret.list.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.apiKey.list.pathKey() }),
      ]);
      const pipeline = await create.mutateAsync({
        workspaceId,
        name: name.trim(),
        description,
        ...(template ? { templateId: template.id, credentials } : {}),
      });
      if (token) setCreated({ id: pipeline.id, token });
      else onCreated(pipeline.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setPending(false);
    }
  }

  if (created) {
    return (
      <Dialog title="Pipeline created" onClose={() => onCreated(created.id)} wide>
        <CopyOnce label="Your new ingest API key" value={created.token} onDone={() => onCreated(created.id)}>
          Copy it now: it is shown only once. Clients send it in the <code>x-api-key</code> header; after deploying,{" "}
          <strong>Send events</strong> in the editor shows the URL and snippets.
        </CopyOnce>
      </Dialog>
    );
  }
  return (
    <Dialog title="New pipeline" onClose={onClose} wide>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div>
          <label htmlFor="new-pipeline-name" className="label">
            Name
          </label>
          <input
            id="new-pipeline-name"
            className="input"
            required
            maxLength={120}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Checkout funnel"
          />
        </div>
        <div>
          <label htmlFor="new-pipeline-description" className="label">
            Description <span className="font-normal text-slate-400">(optional)</span>
          </label>
          <input
            id="new-pipeline-description"
            className="input"
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <fieldset>
          <legend className="label">Start from</legend>
          <div className="grid gap-2 sm:grid-cols-3">
            {choicesList.map((t) => (
              <label
                key={t.id || "blank"}
                className="cursor-pointer rounded-lg border border-slate-200 p-3 text-sm has-checked:border-brand-500 has-checked:ring-2 has-checked:ring-brand-500/30 dark:border-slate-700"
              >
                <input
                  type="radio"
                  name="template"
                  className="sr-only"
                  value={t.id}
                  checked={templateId === t.id}
                  onChange={() => setTemplateId(t.id)}
                />
                <span className="block font-medium">{t.name}</span>
                <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400">{t.description}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {template && lists && (
          <TemplateCredentials
            needs={needs}
            templateId={template.id}
            lists={lists}
            canCreate={canCreate}
            choices={choices}
            onChange={(placeholder, choice) => setChoices((c) => ({ ...c, [placeholder]: choice }))}
          />
        )}
        <DialogError message={error} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn-primary"
            disabled={pending || !name.trim() || (template !== undefined && !listsReady)}
          >
            {pending ? "Creating…" : "Create pipeline"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ImportPipelineDialog({
  workspaceId,
  onClose,
  onCreated,
}: {
  workspaceId: string;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const [name, setName] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const importDocument = useMutation(
    trpc.pipeline.importDocument.mutationOptions({ onSuccess: (r) => onCreated(r.id) }),
  );
  const error = localError ?? importDocument.error?.message ?? null;
  return (
    <Dialog title="Import pipeline from JSON" onClose={onClose} wide>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          let document: unknown;
          try {
            document = JSON.parse(text);
          } catch (err) {
            setLocalError(`Not valid JSON: ${(err as Error).message}`);
            return;
          }
          setLocalError(null);
          importDocument.mutate({ workspaceId, document, ...(name.trim() ? { name: name.trim() } : {}) });
        }}
      >
        <div>
          <label htmlFor="import-pipeline-file" className="label">
            Sluice export file
          </label>
          <input
            id="import-pipeline-file"
            type="file"
            accept="application/json,.json"
            className="text-sm"
            onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? "")}
          />
        </div>
        <div>
          <label htmlFor="import-pipeline-json" className="label">
            Or paste JSON
          </label>
          <textarea
            id="import-pipeline-json"
            className="input h-40 font-mono text-xs"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder='{"format":"sluice.pipeline","formatVersion":1,...}'
          />
        </div>
        <div>
          <label htmlFor="import-pipeline-name" className="label">
            Name <span className="font-normal text-slate-400">(optional, defaults to the file&apos;s)</span>
          </label>
          <input
            id="import-pipeline-name"
            className="input"
            maxLength={120}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        {error && (
          <pre
            role="alert"
            data-testid="import-error"
            className="max-h-48 overflow-auto rounded-md bg-red-50 p-3 text-xs whitespace-pre-wrap text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {error}
          </pre>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={!text.trim() || importDocument.isPending}>
            {importDocument.isPending ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
