"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { Field } from "@/components/forms/Field";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { CopyOnce } from "./CopyOnce";
import { errorMessage, fieldError } from "./errors";
import { formatDate, formatDateTime } from "./format";
import { NeedRole } from "./NeedRole";
import { StatusBadge } from "./RoleBadge";
import { QueryTable } from "./QueryTable";
import { LastUsed, RevokeButton } from "./RowParts";
import { EmptyState, ListSkeleton, SettingsCard } from "./SettingsCard";
import { useWorkspaceAccess } from "./use-workspace-access";

export function ApiKeysSettings({ workspaceId }: { workspaceId: string }) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  if (isLoading) return <ListSkeleton rows={4} label="Loading API keys" />;
  if (!can("apikey:read")) return <NeedRole scope="apikey:read" action="view and manage API keys" role={role} />;
  return <ApiKeys workspaceId={workspaceId} canManage={can("apikey:manage")} />;
}

type ApiKey = { id: string; name: string; prefix: string };

function ApiKeys({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const keys = useQuery(trpc.apiKey.list.queryOptions({ workspaceId }));
  const pipelines = useQuery(trpc.pipeline.list.queryOptions({ workspaceId }));
  const pipelineName = new Map(pipelines.data?.map((p) => [p.id, p.name]));
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = useMutation(
    trpc.apiKey.revoke.mutationOptions({
      onSuccess: async () => {
        toast(`Revoked ${revoking?.name ?? "the key"}. Requests using it are refused from now on.`, "success");
        setRevoking(null);
        await qc.invalidateQueries(trpc.apiKey.list.queryFilter({ workspaceId }));
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <>
      {canManage && <CreateApiKey workspaceId={workspaceId} pipelines={pipelines.data ?? []} />}
      <SettingsCard
        title="API keys"
        description="Ingest keys let your apps and services send events to this workspace's HTTP sources; read keys let your servers read views (GET /v1/views/…). A key can be limited to one pipeline."
      >
        <QueryTable
          query={keys}
          items={keys.data}
          loading={{ rows: 3, label: "Loading API keys" }}
          testId="api-key-table"
          columns={["Name", "Key", "Created", "Last used", "Status"]}
          actions={canManage}
          empty={
            <EmptyState title="No API keys yet" testId="no-api-keys">
              {canManage
                ? "Create a key to start sending events from your product."
                : "An admin can create keys for sending events."}
            </EmptyState>
          }
          renderRow={(k) => (
            <tr key={k.id} className={k.revokedAt ? "text-slate-400 dark:text-slate-500" : ""}>
              <td className="px-5 py-3">
                <div className="font-medium">{k.name}</div>
                <div className="text-xs text-slate-500 dark:text-slate-400">
                  {k.pipelineId ? `Only ${pipelineName.get(k.pipelineId) ?? "one pipeline"}` : "All pipelines"}
                  {k.scope === "read"
                    ? " · read key (views)"
                    : k.publishable
                      ? ` · publishable, from ${k.allowedOrigins.join(", ")}`
                      : " · server key"}
                </div>
              </td>
              <td className="px-3 py-3 font-mono text-xs whitespace-nowrap">{k.prefix}…</td>
              <td className="px-3 py-3 whitespace-nowrap">
                <time dateTime={k.createdAt.toISOString()} title={formatDateTime(k.createdAt)}>
                  {formatDate(k.createdAt)}
                </time>
                <div className="text-xs text-slate-500 dark:text-slate-400">by {k.createdBy.name}</div>
              </td>
              <td className="px-3 py-3 whitespace-nowrap">
                <LastUsed at={k.lastUsedAt} />
              </td>
              <td className="px-3 py-3">
                {k.revokedAt ? (
                  <span title={`Revoked ${formatDateTime(k.revokedAt)}`}>
                    <StatusBadge tone="muted">Revoked</StatusBadge>
                  </span>
                ) : (
                  <StatusBadge tone="active">Active</StatusBadge>
                )}
              </td>
              {canManage && (
                <td className="px-5 py-3 text-right">
                  {!k.revokedAt && <RevokeButton name={k.name} onClick={() => setRevoking(k)} />}
                </td>
              )}
            </tr>
          )}
        />
      </SettingsCard>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke key"
          pending={revoke.isPending}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate({ workspaceId, apiKeyId: revoking.id })}
        >
          <p>
            Anything sending events with <span className="font-mono">{revoking.prefix}…</span> is refused from now on.
            This cannot be undone; create a new key to replace it.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateApiKey({ workspaceId, pipelines }: { workspaceId: string; pipelines: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const pipelineId = useId();
  const kindId = useId();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"ingest" | "read">("ingest");
  const [pipeline, setPipeline] = useState("");
  const [publishable, setPublishable] = useState(false);
  const [origins, setOrigins] = useState("");
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation(
    trpc.apiKey.create.mutationOptions({
      onSuccess: async (res) => {
        setIssued({ name: res.name, token: res.token });
        setName("");
        setPipeline("");
        setScope("ingest");
        setPublishable(false);
        setOrigins("");
        toast(`API key ${res.name} created.`, "success");
        await qc.invalidateQueries(trpc.apiKey.list.queryFilter({ workspaceId }));
      },
      onError: (e) => {
        if (!fieldError(e, "name") && !fieldError(e, "allowedOrigins")) toast(errorMessage(e), "error");
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setIssued(null);
    const browser = scope === "ingest" && publishable;
    const allowedOrigins = browser ? origins.split(/[\s,]+/).filter(Boolean) : [];
    create.mutate({
      workspaceId,
      name: name.trim(),
      ...(pipeline ? { pipelineId: pipeline } : {}),
      scope,
      publishable: browser,
      allowedOrigins,
    });
  }

  const nameError = fieldError(create.error, "name");
  const originsError = fieldError(create.error, "allowedOrigins");
  return (
    <SettingsCard
      title="Create an API key"
      description="The full key is shown once, right after you create it. Only a hash is stored."
    >
      <form
        onSubmit={onSubmit}
        className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_14rem_auto] sm:items-start"
        aria-label="Create an API key"
      >
        <Field label="Key name" error={nameError}>
          {(control) => (
            <input
              {...control}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Website tracker"
              maxLength={80}
              required
            />
          )}
        </Field>
        <div>
          <label htmlFor={pipelineId} className="label">
            Pipelines
          </label>
          <select id={pipelineId} className="input" value={pipeline} onChange={(e) => setPipeline(e.target.value)}>
            <option value="">All pipelines</option>
            {pipelines.map((p) => (
              <option key={p.id} value={p.id}>
                Only {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="sm:col-span-3 grid gap-2">
          <div>
            <label htmlFor={kindId} className="label">
              Kind
            </label>
            <select
              id={kindId}
              className="input sm:max-w-md"
              value={scope}
              onChange={(e) => setScope(e.target.value === "read" ? "read" : "ingest")}
            >
              <option value="ingest">Ingest: sends events to HTTP sources</option>
              <option value="read">Read: reads views from your server (GET /v1/views/…)</option>
            </select>
            {scope === "read" && (
              <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
                Reads the sinks your running pipelines serve as views; a server key, refused from browsers.{" "}
                <Link href="/docs/views" className="text-brand-600 hover:underline dark:text-brand-400">
                  Views API
                </Link>
              </p>
            )}
          </div>
          {scope === "ingest" && (
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={publishable} onChange={(e) => setPublishable(e.target.checked)} />
              Publishable key for browsers (ingest only, safe to embed in a web page)
            </label>
          )}
          {scope === "ingest" && publishable && (
            <Field
              label="Allowed origins"
              error={originsError}
              help="The web origins that may send events with this key, e.g. https://shop.example.com (space or comma separated)."
            >
              {(control) => (
                <input
                  {...control}
                  className="input"
                  value={origins}
                  onChange={(e) => setOrigins(e.target.value)}
                  placeholder="https://shop.example.com"
                  required
                />
              )}
            </Field>
          )}
        </div>
        <div className="sm:pt-6">
          <button
            type="submit"
            className="btn-primary w-full"
            disabled={
              create.isPending || name.trim() === "" || (scope === "ingest" && publishable && origins.trim() === "")
            }
          >
            {create.isPending ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
      {issued && (
        <div className="mt-4">
          <CopyOnce label={`API key ${issued.name}`} value={issued.token} onDone={() => setIssued(null)}>
            <strong>Copy this key now.</strong> It will not be shown again; if you lose it, revoke it and create a new
            one. Keep it out of source control.
          </CopyOnce>
        </div>
      )}
    </SettingsCard>
  );
}
