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

export function SecretsSettings({ workspaceId }: { workspaceId: string }) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  if (isLoading) return <ListSkeleton rows={4} label="Loading secrets" />;
  if (!can("secret:read")) return <NeedRole scope="secret:read" action="view and manage secrets" role={role} />;
  return <Secrets workspaceId={workspaceId} canManage={can("secret:manage")} />;
}

type Secret = { id: string; name: string };

function Secrets({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const secrets = useQuery(trpc.secret.list.queryOptions({ workspaceId }));
  const [rotating, setRotating] = useState<Secret | null>(null);
  const [deleting, setDeleting] = useState<Secret | null>(null);
  const invalidate = () => qc.invalidateQueries(trpc.secret.list.queryFilter({ workspaceId }));
  const del = useMutation(
    trpc.secret.delete.mutationOptions({
      onSuccess: async () => {
        toast(`Deleted secret ${deleting?.name ?? ""}.`, "success");
        setDeleting(null);
        await invalidate();
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <>
      {canManage && <CreateSecret workspaceId={workspaceId} />}
      <SettingsCard
        title="Secrets"
        description="Passwords, connection strings and signing keys for pipeline nodes. Values are encrypted at rest and never shown again after you save them; nodes pick a secret by name."
      >
        <QueryState
          query={secrets}
          items={secrets.data}
          loading={{ rows: 3, label: "Loading secrets" }}
          empty={
            <EmptyState title="No secrets yet" testId="no-secrets">
              {canManage
                ? "Add the credentials your sources and sinks need, such as a database password."
                : "An admin can add credentials for pipeline nodes."}
            </EmptyState>
          }
        >
          {(list) => (
            <SettingsList testId="secret-list">
              {list.map((s) => (
                <li key={s.id} className="flex flex-wrap items-center gap-3 py-3" data-testid="secret-row">
                  <div className="min-w-0 flex-1">
                    <div className="truncate font-mono text-sm font-medium">{s.name}</div>
                    <div className="text-xs text-slate-500 dark:text-slate-400">
                      Created by {s.createdBy.name} · updated <RelativeTime at={s.updatedAt} />
                    </div>
                  </div>
                  <span className="font-mono text-sm text-slate-500 dark:text-slate-400" aria-label="Value hidden">
                    {s.hint}
                  </span>
                  {canManage && (
                    <div className="flex gap-1">
                      <button
                        type="button"
                        className="btn-ghost"
                        onClick={() => setRotating(s)}
                        aria-label={`Rotate ${s.name}`}
                      >
                        Rotate
                      </button>
                      <button
                        type="button"
                        className="btn-ghost text-red-600 dark:text-red-400"
                        onClick={() => setDeleting(s)}
                        aria-label={`Delete ${s.name}`}
                      >
                        Delete
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </SettingsList>
          )}
        </QueryState>
      </SettingsCard>
      {rotating && (
        <RotateSecret
          workspaceId={workspaceId}
          secret={rotating}
          onClose={() => setRotating(null)}
          onRotated={invalidate}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete secret"
          pending={del.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => del.mutate({ workspaceId, secretId: deleting.id })}
        >
          <p>Pipeline nodes that reference this secret can no longer use it. The value cannot be recovered.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateSecret({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const create = useMutation(
    trpc.secret.create.mutationOptions({
      onSuccess: async (s) => {
        setName("");
        setValue("");
        toast(`Saved secret ${s.name}. Its value will not be shown again.`, "success");
        await qc.invalidateQueries(trpc.secret.list.queryFilter({ workspaceId }));
      },
      onError: (e) => {
        if (!fieldError(e, "name") && !fieldError(e, "value")) toast(errorMessage(e), "error");
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ workspaceId, name: name.trim(), value });
  }

  const nameError = fieldError(create.error, "name");
  const valueError = fieldError(create.error, "value");
  return (
    <SettingsCard
      title="Add a secret"
      description="Write-only: after saving, only the name and a masked hint are visible, to everyone including you."
    >
      <form
        onSubmit={onSubmit}
        className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] sm:items-start"
        aria-label="Add a secret"
      >
        <Field label="Name" error={nameError} help="Letters, digits, _ . and -">
          {(control) => (
            <input
              {...control}
              className="input font-mono"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="WAREHOUSE_PASSWORD"
              maxLength={80}
              pattern="[A-Za-z0-9_.\-]+"
              autoComplete="off"
              spellCheck={false}
              required
            />
          )}
        </Field>
        <Field label="Value" error={valueError}>
          {(control) => (
            <input
              {...control}
              type="password"
              className="input font-mono"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              autoComplete="new-password"
              maxLength={8192}
              required
            />
          )}
        </Field>
        <div className="sm:pt-6">
          <button
            type="submit"
            className="btn-primary w-full"
            disabled={create.isPending || name.trim() === "" || value === ""}
          >
            {create.isPending ? "Saving…" : "Save secret"}
          </button>
        </div>
      </form>
    </SettingsCard>
  );
}

function RotateSecret({
  workspaceId,
  secret,
  onClose,
  onRotated,
}: {
  workspaceId: string;
  secret: Secret;
  onClose: () => void;
  onRotated: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const { toast } = useToast();
  const [value, setValue] = useState("");
  const rotate = useMutation(
    trpc.secret.update.mutationOptions({
      onSuccess: async () => {
        toast(`Rotated ${secret.name}. The old value is gone.`, "success");
        onClose();
        await onRotated();
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );
  return (
    <ConfirmDialog
      title={`Rotate ${secret.name}`}
      confirmLabel="Save new value"
      tone="primary"
      pending={rotate.isPending}
      confirmDisabled={value === ""}
      onCancel={onClose}
      onConfirm={() => rotate.mutate({ workspaceId, secretId: secret.id, value })}
    >
      <p>The new value replaces the old one, which cannot be recovered.</p>
      <Field label="New value">
        {(control) => (
          <input
            {...control}
            type="password"
            className="input font-mono"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="new-password"
            maxLength={8192}
          />
        )}
      </Field>
    </ConfirmDialog>
  );
}
