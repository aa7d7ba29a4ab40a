"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { fieldError } from "./errors";
import { formatDate, formatDateTime } from "./format";
import { TextField } from "./FormParts";
import { IssueTokenCard } from "./IssueTokenCard";
import { RequireScope } from "./NeedRole";
import { StatusBadge } from "./RoleBadge";
import { QueryTable } from "./QueryTable";
import { ConfirmRowAction, LastUsed, RevokeButton } from "./RowParts";
import { EmptyState, SettingsCard } from "./SettingsCard";
import { useCreateMutation, useRowAction } from "./settings-mutations";

export function ApiKeysSettings({ workspaceId }: { workspaceId: string }) {
  return (
    <RequireScope
      workspaceId={workspaceId}
      read="apikey:read"
      manage="apikey:manage"
      action="view and manage API keys"
      loading={{ rows: 4, label: "Loading API keys" }}
    >
      {(canManage) => <ApiKeys workspaceId={workspaceId} canManage={canManage} />}
    </RequireScope>
  );
}

type ApiKey = { id: string; name: string; prefix: string };

function ApiKeys({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const keys = useQuery(trpc.apiKey.list.queryOptions({ workspaceId }));
  const pipelines = useQuery(trpc.pipeline.list.queryOptions({ workspaceId }));
  const pipelineName = new Map(pipelines.data?.map((p) => [p.id, p.name]));
  const revoke = useRowAction(trpc.apiKey.revoke.mutationOptions(), {
    variables: (k: ApiKey) => ({ workspaceId, apiKeyId: k.id }),
    done: (k) => `Revoked ${k?.name ?? "the key"}. Requests using it are refused from now on.`,
    list: trpc.apiKey.list.queryFilter({ workspaceId }),
  });

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
                  {!k.revokedAt && <RevokeButton name={k.name} onClick={() => revoke.ask(k)} />}
                </td>
              )}
            </tr>
          )}
        />
      </SettingsCard>
      <ConfirmRowAction action={revoke} verb="Revoke" confirmLabel="Revoke key">
        {(k) => (
          <p>
            Anything sending events with <span className="font-mono">{k.prefix}…</span> is refused from now on. This
            cannot be undone; create a new key to replace it.
          </p>
        )}
      </ConfirmRowAction>
    </>
  );
}

function CreateApiKey({ workspaceId, pipelines }: { workspaceId: string; pipelines: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const pipelineId = useId();
  const kindId = useId();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"ingest" | "read">("ingest");
  const [pipeline, setPipeline] = useState("");
  const [publishable, setPublishable] = useState(false);
  const [origins, setOrigins] = useState("");
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const create = useCreateMutation(trpc.apiKey.create.mutationOptions(), {
    saved: (res) => {
      setIssued({ name: res.name, token: res.token });
      setName("");
      setPipeline("");
      setScope("ingest");
      setPublishable(false);
      setOrigins("");
      return `API key ${res.name} created.`;
    },
    list: trpc.apiKey.list.queryFilter({ workspaceId }),
    fields: ["name", "allowedOrigins"],
  });

  function onSubmit() {
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

  return (
    <IssueTokenCard
      title="Create an API key"
      description="The full key is shown once, right after you create it. Only a hash is stored."
      formLabel="Create an API key"
      columns="sm:grid-cols-[minmax(0,1fr)_14rem_auto]"
      nameLabel="Key name"
      namePlaceholder="Website tracker"
      name={name}
      onName={setName}
      mutation={create}
      complete={!(scope === "ingest" && publishable && origins.trim() === "")}
      submitLabel="Create key"
      onSubmit={onSubmit}
      issued={
        issued && {
          label: `API key ${issued.name}`,
          token: issued.token,
          note: (
            <>
              <strong>Copy this key now.</strong> It will not be shown again; if you lose it, revoke it and create a new
              one. Keep it out of source control.
            </>
          ),
        }
      }
      onDone={() => setIssued(null)}
    >
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
          <TextField
            label="Allowed origins"
            value={origins}
            onChange={setOrigins}
            placeholder="https://shop.example.com"
            error={fieldError(create.error, "allowedOrigins")}
            help="The web origins that may send events with this key, e.g. https://shop.example.com (space or comma separated)."
          />
        )}
      </div>
    </IssueTokenCard>
  );
}
