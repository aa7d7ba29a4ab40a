"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { errorMessage, fieldError } from "./errors";
import { ListSkeleton, SettingsCard } from "./SettingsCard";
import { minimumRole, useWorkspaceAccess } from "./use-workspace-access";

export function GeneralSettings({ workspaceId }: { workspaceId: string }) {
  const { workspace, isLoading, can } = useWorkspaceAccess(workspaceId);
  if (isLoading || !workspace) return <ListSkeleton rows={3} label="Loading workspace settings" />;
  return (
    <>
      <RenameWorkspace workspaceId={workspaceId} currentName={workspace.name} canRename={can("workspace:update")} />
      {can("workspace:transfer") ? (
        <TransferOwnership workspaceId={workspaceId} />
      ) : (
        <SettingsCard
          title="Ownership"
          description={`Only an ${minimumRole("workspace:transfer")} can transfer ownership or delete this workspace.`}
        />
      )}
      {can("workspace:delete") && <DeleteWorkspace workspaceId={workspaceId} name={workspace.name} />}
    </>
  );
}

function RenameWorkspace({
  workspaceId,
  currentName,
  canRename,
}: {
  workspaceId: string;
  currentName: string;
  canRename: boolean;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const inputId = useId();
  // `null` = untouched, so the field follows the saved name until the user edits it.
  const [draft, setDraft] = useState<string | null>(null);
  const name = draft ?? currentName;
  const rename = useMutation(
    trpc.workspace.rename.mutationOptions({
      onSuccess: async (ws) => {
        setDraft(null);
        toast(`Workspace renamed to ${ws.name}.`, "success");
        await Promise.all([
          qc.invalidateQueries(trpc.workspace.get.queryFilter({ workspaceId })),
          qc.invalidateQueries(trpc.workspace.list.queryFilter()),
        ]);
      },
      onError: (e) => {
        if (!fieldError(e, "name")) toast(errorMessage(e), "error");
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    rename.mutate({ workspaceId, name: name.trim() });
  }

  const error = fieldError(rename.error, "name");
  const unchanged = name.trim() === currentName;
  return (
    <SettingsCard
      title="Workspace name"
      description={
        canRename
          ? "Shown in the workspace switcher and in invitations."
          : `Only an ${minimumRole("workspace:update")} or owner can rename the workspace.`
      }
    >
      {!canRename ? (
        <p className="text-sm font-medium" data-testid="workspace-name">
          {currentName}
        </p>
      ) : (
        <form onSubmit={onSubmit} className="flex flex-col gap-3 sm:flex-row sm:items-start">
          <div className="flex-1">
            <label htmlFor={inputId} className="sr-only">
              Workspace name
            </label>
            <input
              id={inputId}
              className="input"
              value={name}
              onChange={(e) => setDraft(e.target.value)}
              maxLength={60}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${inputId}-error` : undefined}
            />
            {error && (
              <p id={`${inputId}-error`} className="field-error">
                {error}
              </p>
            )}
          </div>
          <button type="submit" className="btn-primary" disabled={unchanged || rename.isPending}>
            {rename.isPending ? "Saving…" : "Save"}
          </button>
        </form>
      )}
    </SettingsCard>
  );
}

function TransferOwnership({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const selectId = useId();
  const members = useQuery(trpc.member.list.queryOptions({ workspaceId }));
  const [memberId, setMemberId] = useState("");
  const [confirming, setConfirming] = useState(false);
  const candidates = members.data?.filter((m) => !m.isYou) ?? [];
  const target = candidates.find((m) => m.id === memberId);
  const transfer = useMutation(
    trpc.workspace.transferOwnership.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        setMemberId("");
        toast(`Ownership transferred to ${target?.user.name ?? "the new owner"}. You are now an admin.`, "success");
        await Promise.all([
          qc.invalidateQueries(trpc.workspace.get.queryFilter({ workspaceId })),
          qc.invalidateQueries(trpc.workspace.list.queryFilter()),
          qc.invalidateQueries(trpc.member.list.queryFilter({ workspaceId })),
        ]);
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <SettingsCard
      title="Transfer ownership"
      description="Make another member the owner. You stay in the workspace as an admin."
    >
      {members.isLoading ? (
        <ListSkeleton rows={1} label="Loading members" />
      ) : candidates.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">
          Invite someone first: ownership can only go to another member.
        </p>
      ) : (
        <form
          className="flex flex-col gap-3 sm:flex-row sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) setConfirming(true);
          }}
        >
          <div className="flex-1">
            <label htmlFor={selectId} className="label">
              New owner
            </label>
            <select id={selectId} className="input" value={memberId} onChange={(e) => setMemberId(e.target.value)}>
              <option value="">Choose a member…</option>
              {candidates.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.user.name} ({m.user.email}), {m.role}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn-secondary" disabled={!target}>
            Transfer…
          </button>
        </form>
      )}
      {confirming && target && (
        <ConfirmDialog
          title={`Transfer ownership to ${target.user.name}?`}
          confirmLabel="Transfer ownership"
          pending={transfer.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={() => transfer.mutate({ workspaceId, memberId: target.id })}
        >
          <p>
            {target.user.email} becomes the owner, with full control including deleting the workspace. Your role changes
            to admin, and only an owner can give ownership back.
          </p>
        </ConfirmDialog>
      )}
    </SettingsCard>
  );
}

function DeleteWorkspace({ workspaceId, name }: { workspaceId: string; name: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const { toast } = useToast();
  const inputId = useId();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const del = useMutation(
    trpc.workspace.delete.mutationOptions({
      onSuccess: async () => {
        toast(`Deleted ${name}.`, "success");
        qc.removeQueries(trpc.workspace.get.queryFilter({ workspaceId }));
        await qc.invalidateQueries(trpc.workspace.list.queryFilter());
        router.push("/");
        router.refresh();
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <>
      <SettingsCard
        tone="danger"
        title="Delete workspace"
        description="Deletes every pipeline, version, key, secret and alert in it. Running pipelines must be stopped first. This cannot be undone."
        actions={
          <button type="button" className="btn-danger" onClick={() => setOpen(true)}>
            Delete workspace…
          </button>
        }
      />
      {open && (
        <ConfirmDialog
          title={`Delete ${name}?`}
          confirmLabel="Delete this workspace"
          pending={del.isPending}
          confirmDisabled={typed !== name}
          onCancel={() => {
            setOpen(false);
            setTyped("");
          }}
          onConfirm={() => del.mutate({ workspaceId, confirmName: typed })}
        >
          <p>Everything in the workspace is deleted for every member. The audit trail of the deletion is kept.</p>
          <div>
            <label htmlFor={inputId} className="label">
              Type <span className="font-mono font-semibold">{name}</span> to confirm
            </label>
            <input
              id={inputId}
              className="input"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
        </ConfirmDialog>
      )}
    </>
  );
}
