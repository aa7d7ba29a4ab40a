"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { assignableRoles, roleHasScope, type Role } from "@sluice/shared";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";
import { Field } from "@/components/forms/Field";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { CopyOnce } from "./CopyOnce";
import { errorMessage, fieldError } from "./errors";
import { capitalize, formatDate, formatDateTime, withArticle } from "./format";
import { RoleBadge } from "./RoleBadge";
import { QueryState } from "./QueryTable";
import { RelativeTime, RevokeButton, SettingsList } from "./RowParts";
import { EmptyState, ListSkeleton, SettingsCard } from "./SettingsCard";
import { minimumRole, useWorkspaceAccess } from "./use-workspace-access";

const ROLE_HELP: Record<Role, string> = {
  viewer: "sees pipelines, metrics and alerts",
  editor: "also edits and publishes pipelines",
  admin: "also deploys, manages members, keys and secrets",
  owner: "full control, including deleting the workspace",
};

export function MembersSettings({ workspaceId }: { workspaceId: string }) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  const canManage = can("member:manage");
  if (isLoading || !role) return <ListSkeleton rows={4} label="Loading members" />;
  return (
    <>
      {canManage && <InviteMember workspaceId={workspaceId} myRole={role} />}
      <MemberList workspaceId={workspaceId} myRole={role} canManage={canManage} />
      {canManage && <PendingInvitations workspaceId={workspaceId} />}
    </>
  );
}

type Member = {
  id: string;
  role: Role;
  joinedAt: Date;
  isYou: boolean;
  user: { id: string; name: string; email: string };
};

function MemberList({ workspaceId, myRole, canManage }: { workspaceId: string; myRole: Role; canManage: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const members = useQuery(trpc.member.list.queryOptions({ workspaceId }));
  const [removing, setRemoving] = useState<Member | null>(null);
  const invalidate = () => qc.invalidateQueries(trpc.member.list.queryFilter({ workspaceId }));

  const updateRole = useMutation(
    trpc.member.updateRole.mutationOptions({
      onSuccess: async (_r, vars) => {
        const m = members.data?.find((x) => x.id === vars.memberId);
        toast(`${m?.user.name ?? "The member"} is now ${withArticle(vars.role)}.`, "success");
        await invalidate();
      },
      onError: async (e) => {
        toast(errorMessage(e), "error");
        await invalidate();
      },
    }),
  );
  const remove = useMutation(
    trpc.member.remove.mutationOptions({
      onSuccess: async () => {
        toast(`Removed ${removing?.user.name ?? "the member"} from the workspace.`, "success");
        setRemoving(null);
        await invalidate();
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  // Admins manage everyone below owner; only owners touch owners (the server enforces the same).
  const mayManage = (m: Member) =>
    canManage && !m.isYou && (m.role !== "owner" || roleHasScope(myRole, "member:manage-owners"));
  const options = assignableRoles(myRole);

  return (
    <SettingsCard
      title="Members"
      description={
        canManage
          ? "Everyone with access to this workspace. Changes apply on their next request, no sign-out needed."
          : `Everyone with access to this workspace. Only an ${minimumRole("member:manage")} or owner can invite people or change roles.`
      }
    >
      <QueryState query={members} items={members.data} loading={{ rows: 3, label: "Loading members" }}>
        {(list) => (
          <SettingsList testId="member-list">
            {list.map((m) => (
              <li key={m.id} className="flex flex-wrap items-center gap-3 py-3" data-testid="member-row">
                <Avatar name={m.user.name} />
                <div className="min-w-0 flex-1">
                  <div className="truncate text-sm font-medium">
                    {m.user.name}
                    {m.isYou && <span className="ml-1.5 text-xs font-normal text-slate-500">(you)</span>}
                  </div>
                  <div className="truncate text-xs text-slate-500 dark:text-slate-400">
                    {m.user.email} · joined{" "}
                    <time dateTime={m.joinedAt.toISOString()} title={formatDateTime(m.joinedAt)}>
                      {formatDate(m.joinedAt)}
                    </time>
                  </div>
                </div>
                {mayManage(m) ? (
                  <div className="flex items-center gap-2">
                    <label htmlFor={`role-${m.id}`} className="sr-only">
                      Role for {m.user.name}
                    </label>
                    <select
                      id={`role-${m.id}`}
                      className="input w-32 py-1"
                      value={m.role}
                      disabled={updateRole.isPending && updateRole.variables?.memberId === m.id}
                      onChange={(e) => updateRole.mutate({ workspaceId, memberId: m.id, role: e.target.value as Role })}
                    >
                      {(options.includes(m.role) ? options : [m.role, ...options]).map((r) => (
                        <option key={r} value={r}>
                          {capitalize(r)}
                        </option>
                      ))}
                    </select>
                    <button
                      type="button"
                      className="btn-ghost text-red-600 dark:text-red-400"
                      onClick={() => setRemoving(m)}
                      aria-label={`Remove ${m.user.name}`}
                    >
                      Remove
                    </button>
                  </div>
                ) : (
                  <RoleBadge role={m.role} />
                )}
              </li>
            ))}
          </SettingsList>
        )}
      </QueryState>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.user.name}?`}
          confirmLabel="Remove member"
          pending={remove.isPending}
          onCancel={() => setRemoving(null)}
          onConfirm={() => remove.mutate({ workspaceId, memberId: removing.id })}
        >
          <p>
            {removing.user.email} loses access to this workspace at once, and their personal access tokens for it stop
            working. You can invite them again later.
          </p>
        </ConfirmDialog>
      )}
    </SettingsCard>
  );
}

function Avatar({ name }: { name: string }) {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join("");
  return (
    <span
      aria-hidden="true"
      className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700 dark:bg-slate-700 dark:text-slate-200"
    >
      {initials || "?"}
    </span>
  );
}

function InviteMember({ workspaceId, myRole }: { workspaceId: string; myRole: Role }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const roleHelpId = useId();
  const roles = assignableRoles(myRole);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [created, setCreated] = useState<{ link: string; email: string; expiresAt: Date } | null>(null);
  const invite = useMutation(
    trpc.invitation.create.mutationOptions({
      onSuccess: async (res, vars) => {
        setCreated({ link: res.link, email: vars.email, expiresAt: res.expiresAt });
        setEmail("");
        toast(`Invitation for ${vars.email} created.`, "success");
        await qc.invalidateQueries(trpc.invitation.list.queryFilter({ workspaceId }));
      },
      onError: (e) => {
        if (!fieldError(e, "email")) toast(errorMessage(e), "error");
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    invite.mutate({ workspaceId, email: email.trim(), role });
  }

  const emailError = fieldError(invite.error, "email");
  return (
    <SettingsCard
      title="Invite someone"
      description="They get a link to join with the role you choose. Send it to them yourself; Sluice does not email it."
    >
      <form
        onSubmit={onSubmit}
        className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_10rem_auto] sm:items-start"
        noValidate
        aria-label="Invite a member"
      >
        <Field
          label="Email"
          error={emailError === "Invalid email address" ? "Enter a valid email address." : emailError}
        >
          {(control) => (
            <input
              {...control}
              type="email"
              className="input"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="teammate@company.com"
              autoComplete="off"
              required
            />
          )}
        </Field>
        <Field label="Role">
          {(control) => (
            <select
              {...control}
              className="input"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              aria-describedby={roleHelpId}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {capitalize(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="sm:pt-6">
          <button type="submit" className="btn-primary w-full" disabled={invite.isPending || email.trim() === ""}>
            {invite.isPending ? "Inviting…" : "Create invitation"}
          </button>
        </div>
        <p id={roleHelpId} className="text-xs text-slate-500 sm:col-span-3 dark:text-slate-400">
          <span className="capitalize">{role}</span>: {ROLE_HELP[role]}.
        </p>
      </form>
      {created && (
        <div className="mt-4">
          <CopyOnce label="Invitation link" value={created.link} onDone={() => setCreated(null)}>
            Send this link to <span className="font-medium">{created.email}</span>. It is shown only once, works for
            that email address only, and expires in 7 days (
            <time dateTime={created.expiresAt.toISOString()}>{formatDateTime(created.expiresAt)}</time>).
          </CopyOnce>
        </div>
      )}
    </SettingsCard>
  );
}

type Invitation = {
  id: string;
  email: string;
  role: Role;
  expiresAt: Date;
  createdAt: Date;
  invitedBy: { name: string };
};

function PendingInvitations({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const invitations = useQuery(trpc.invitation.list.queryOptions({ workspaceId }));
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const revoke = useMutation(
    trpc.invitation.revoke.mutationOptions({
      onSuccess: async () => {
        toast(`Invitation for ${revoking?.email ?? "them"} revoked.`, "success");
        setRevoking(null);
        await qc.invalidateQueries(trpc.invitation.list.queryFilter({ workspaceId }));
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <SettingsCard
      title="Pending invitations"
      description="Links that have not been used yet. Revoke one to make its link stop working."
    >
      <QueryState
        query={invitations}
        items={invitations.data}
        loading={{ rows: 2, label: "Loading invitations" }}
        empty={
          <EmptyState title="No pending invitations" testId="no-invitations">
            Invitations you create appear here until they are accepted, revoked or expire.
          </EmptyState>
        }
      >
        {(list) => (
          <SettingsList testId="invitation-list">
            {list.map((inv) => (
              <li key={inv.id} className="flex flex-wrap items-center gap-3 py-3">
                <div className="min-w-0 flex-1">
                  <div className="truncate text-sm font-medium">{inv.email}</div>
                  <div className="text-xs text-slate-500 dark:text-slate-400">
                    Invited by {inv.invitedBy.name} · expires <RelativeTime at={inv.expiresAt} />
                  </div>
                </div>
                <RoleBadge role={inv.role} />
                <RevokeButton
                  name={inv.email}
                  label={`Revoke invitation for ${inv.email}`}
                  onClick={() => setRevoking(inv)}
                />
              </li>
            ))}
          </SettingsList>
        )}
      </QueryState>
      {revoking && (
        <ConfirmDialog
          title={`Revoke the invitation for ${revoking.email}?`}
          confirmLabel="Revoke invitation"
          pending={revoke.isPending}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate({ workspaceId, invitationId: revoking.id })}
        >
          <p>The link stops working at once. You can invite them again later.</p>
        </ConfirmDialog>
      )}
    </SettingsCard>
  );
}
