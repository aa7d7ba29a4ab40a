"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { Field } from "@/components/forms/Field";
import { errorMessage, fieldError } from "./errors";
import { NeedRole } from "./NeedRole";
import { QueryState } from "./QueryTable";
import { RelativeTime, SettingsList } from "./RowParts";
import { EmptyState, ListSkeleton, SettingsCard } from "./SettingsCard";
import { useWorkspaceAccess } from "./use-workspace-access";

export function SchemaRegistriesSettings({ workspaceId }: { workspaceId: string }) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  if (isLoading) return <ListSkeleton rows={3} label="Loading schema registries" />;
  if (!can("connection:read")) return <NeedRole scope="connection:read" action="view schema registries" role={role} />;
  return <Registries workspaceId={workspaceId} canManage={can("connection:manage")} />;
}

type Registry = { id: string; name: string };

function Registries({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const registries = useQuery(trpc.schemaRegistry.list.queryOptions({ workspaceId }));
  const [deleting, setDeleting] = useState<Registry | null>(null);
  const [tested, setTested] = useState<Record<string, string>>({});
  const del = useMutation(
    trpc.schemaRegistry.delete.mutationOptions({
      onSuccess: async () => {
        toast(`Deleted schema registry ${deleting?.name ?? ""}.`, "success");
        setDeleting(null);
        await qc.invalidateQueries(trpc.schemaRegistry.list.queryFilter({ workspaceId }));
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );
  const test = useMutation(
    trpc.schemaRegistry.test.mutationOptions({
      onSuccess: (r, input) =>
        setTested((t) => ({
          ...t,
          [input.registryId]: r.ok
            ? `Connected: ${r.subjectCount} subject(s), ${r.compatibility} compatibility by default.`
            : `Failed: ${r.message}`,
        })),
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <>
      {canManage && <CreateRegistry workspaceId={workspaceId} />}
      <SettingsCard
        title="Schema registries"
        description="Confluent-compatible registries (Confluent, Redpanda, Apicurio's ccompat API). Kafka sources decode Avro, Protobuf and JSON Schema records with them; Kafka sinks register an Avro schema. Passwords are encrypted at rest and never shown again."
      >
        <QueryState
          query={registries}
          items={registries.data}
          loading={{ rows: 2, label: "Loading schema registries" }}
          empty={
            <EmptyState title="No schema registries" testId="no-schema-registries">
              {canManage
                ? "Add the registry your topics' producers register their schemas with."
                : "An admin can add a schema registry for Kafka nodes."}
            </EmptyState>
          }
        >
          {(list) => (
            <SettingsList testId="schema-registry-list">
              {list.map((r) => (
                <li key={r.id} className="flex flex-wrap items-center gap-3 py-3" data-testid="schema-registry-row">
                  <div className="min-w-0 flex-1">
                    <div className="truncate text-sm font-medium">{r.name}</div>
                    <div className="truncate font-mono text-xs text-slate-500 dark:text-slate-400">{r.url}</div>
                    <div className="text-xs text-slate-500 dark:text-slate-400">
                      Created by {r.createdBy.name} · updated <RelativeTime at={r.updatedAt} />
                    </div>
                    {tested[r.id] && (
                      <div className="text-xs" role="status">
                        {tested[r.id]}
                      </div>
                    )}
                  </div>
                  {r.credentialsHint && (
                    <span className="font-mono text-sm text-slate-500 dark:text-slate-400" aria-label="Password hidden">
                      {r.credentialsHint}
                    </span>
                  )}
                  {canManage && (
                    <>
                      <button
                        type="button"
                        className="btn-ghost"
                        disabled={test.isPending}
                        onClick={() => test.mutate({ workspaceId, registryId: r.id })}
                      >
                        Test connection
                      </button>
                      <button
                        type="button"
                        className="btn-ghost text-red-600 dark:text-red-400"
                        onClick={() => setDeleting(r)}
                        aria-label={`Delete ${r.name}`}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </li>
              ))}
            </SettingsList>
          )}
        </QueryState>
      </SettingsCard>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete registry"
          pending={del.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => del.mutate({ workspaceId, registryId: deleting.id })}
        >
          <p>Pipelines whose nodes use this registry can no longer be published or deployed until they pick another.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateRegistry({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const create = useMutation(
    trpc.schemaRegistry.create.mutationOptions({
      onSuccess: async (r) => {
        setName("");
        setUrl("");
        setUsername("");
        setPassword("");
        toast(`Added schema registry ${r.name}.`, "success");
        await qc.invalidateQueries(trpc.schemaRegistry.list.queryFilter({ workspaceId }));
      },
      onError: (e) => {
        if (!fieldError(e, "name") && !fieldError(e, "url")) toast(errorMessage(e), "error");
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate({
      workspaceId,
      name: name.trim(),
      url: url.trim(),
      ...(username !== "" ? { credentials: { username, password } } : {}),
    });
  }

  return (
    <SettingsCard
      title="Add a schema registry"
      description="Admins only. Basic auth is optional; the password is write-only."
    >
      <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-2" aria-label="Add a schema registry">
        <Field label="Name" error={fieldError(create.error, "name")}>
          {(control) => (
            <input
              {...control}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Production registry"
              maxLength={80}
              required
            />
          )}
        </Field>
        <Field
          label="URL"
          error={fieldError(create.error, "url")}
          help="The Confluent-compatible API, e.g. https://registry.example.com or …/apis/ccompat/v7"
        >
          {(control) => (
            <input
              {...control}
              className="input font-mono"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://registry.example.com"
              spellCheck={false}
              required
            />
          )}
        </Field>
        <Field label="Username (optional)">
          {(control) => (
            <input
              {...control}
              className="input"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Password">
          {(control) => (
            <input
              {...control}
              type="password"
              className="input"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoComplete="new-password"
              required={username !== ""}
              disabled={username === ""}
            />
          )}
        </Field>
        <div className="sm:col-span-2">
          <button
            type="submit"
            className="btn-primary"
            disabled={create.isPending || name.trim() === "" || url.trim() === ""}
          >
            {create.isPending ? "Saving…" : "Add registry"}
          </button>
        </div>
      </form>
    </SettingsCard>
  );
}
