"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { formatDate, formatDateTime } from "@/components/settings/format";
import { IssueTokenCard } from "@/components/settings/IssueTokenCard";
import { QueryTable } from "@/components/settings/QueryTable";
import { StatusBadge } from "@/components/settings/RoleBadge";
import { ConfirmRowAction, LastUsed, RevokeButton } from "@/components/settings/RowParts";
import { EmptyState, ListSkeleton, SettingsCard } from "@/components/settings/SettingsCard";
import { useCreateMutation, useRowAction } from "@/components/settings/settings-mutations";
import { useTRPC } from "@/lib/trpc";

type Token = { id: string; name: string; prefix: string };

export function PersonalTokens({ defaultWorkspaceId }: { defaultWorkspaceId?: string }) {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.personalToken.list.queryOptions());
  const revoke = useRowAction(trpc.personalToken.revoke.mutationOptions(), {
    variables: (t: Token) => ({ tokenId: t.id }),
    done: (t) => `Revoked ${t?.name ?? "the token"}.`,
    list: trpc.personalToken.list.queryFilter(),
  });
  // Rendered on the client only after the list loads, so comparing with "now" can't mismatch hydration.
  const now = Date.now();

  return (
    <>
      <CreateToken defaultWorkspaceId={defaultWorkspaceId} />
      <SettingsCard
        title="Personal access tokens"
        description={
          <>
            For scripts and CI calling the{" "}
            <Link href="/docs/api" className="text-brand-600 hover:underline dark:text-brand-400">
              Sluice HTTP API
            </Link>{" "}
            as you, with <code className="font-mono text-xs">Authorization: Bearer slp_…</code>. Each token works in one
            workspace and can do only what your role there allows, now and after any role change.
          </>
        }
      >
        <QueryTable
          query={tokens}
          items={tokens.data}
          loading={{ rows: 3, label: "Loading tokens" }}
          testId="token-table"
          columns={["Name", "Workspace", "Expires", "Last used", "Status"]}
          actions
          empty={
            <EmptyState title="No personal access tokens" testId="no-tokens">
              Create one to call the API from a script or a CI job.
            </EmptyState>
          }
          renderRow={(t) => {
            const expired = t.expiresAt.getTime() <= now;
            const inactive = Boolean(t.revokedAt) || expired;
            return (
              <tr key={t.id} className={inactive ? "text-slate-400 dark:text-slate-500" : ""}>
                <td className="px-5 py-3">
                  <div className="font-medium">{t.name}</div>
                  <div className="font-mono text-xs text-slate-500 dark:text-slate-400">{t.prefix}…</div>
                </td>
                <td className="px-3 py-3">{t.workspace.name}</td>
                <td className="px-3 py-3 whitespace-nowrap">
                  <time dateTime={t.expiresAt.toISOString()} title={formatDateTime(t.expiresAt)}>
                    {formatDate(t.expiresAt)}
                  </time>
                </td>
                <td className="px-3 py-3 whitespace-nowrap">
                  <LastUsed at={t.lastUsedAt} />
                </td>
                <td className="px-3 py-3">
                  {t.revokedAt ? (
                    <StatusBadge tone="muted">Revoked</StatusBadge>
                  ) : expired ? (
                    <StatusBadge tone="warning">Expired</StatusBadge>
                  ) : (
                    <StatusBadge tone="active">Active</StatusBadge>
                  )}
                </td>
                <td className="px-5 py-3 text-right">
                  {!t.revokedAt && <RevokeButton name={t.name} onClick={() => revoke.ask(t)} />}
                </td>
              </tr>
            );
          }}
        />
      </SettingsCard>
      <ConfirmRowAction action={revoke} verb="Revoke" confirmLabel="Revoke token">
        {(t) => (
          <p>
            Scripts using <span className="font-mono">{t.prefix}…</span> are refused from their next request. This
            cannot be undone.
          </p>
        )}
      </ConfirmRowAction>
    </>
  );
}

const EXPIRY_CHOICES = [7, 30, 90, 180, 365];

function CreateToken({ defaultWorkspaceId }: { defaultWorkspaceId?: string }) {
  const trpc = useTRPC();
  const workspaces = useQuery(trpc.workspace.list.queryOptions());
  const workspaceSelectId = useId();
  const expiryId = useId();
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string | null>(null);
  const [days, setDays] = useState("90");
  const [issued, setIssued] = useState<{ name: string; token: string; expiresAt: Date; workspaceName: string } | null>(
    null,
  );
  const workspaceId =
    picked ??
    (workspaces.data?.some((w) => w.id === defaultWorkspaceId) ? defaultWorkspaceId : workspaces.data?.[0]?.id) ??
    "";
  const create = useCreateMutation(trpc.personalToken.create.mutationOptions(), {
    saved: (res, vars) => {
      setIssued({
        name: res.name,
        token: res.token,
        expiresAt: res.expiresAt,
        workspaceName: workspaces.data?.find((w) => w.id === vars.workspaceId)?.name ?? "",
      });
      setName("");
      return `Token ${res.name} created.`;
    },
    list: trpc.personalToken.list.queryFilter(),
    fields: ["name", "expiresInDays"],
  });

  const daysNumber = Number(days);
  const daysValid = Number.isInteger(daysNumber) && daysNumber >= 1 && daysNumber <= 365;
  const noWorkspaces = workspaces.isSuccess && workspaces.data.length === 0;
  return (
    <IssueTokenCard
      title="Create a token"
      description="The token is shown once, right after you create it. Only a hash is stored."
      formLabel="Create a personal access token"
      columns="sm:grid-cols-[minmax(0,1fr)_12rem_8rem_auto]"
      nameLabel="Token name"
      namePlaceholder="CI deploys"
      name={name}
      onName={setName}
      mutation={create}
      complete={Boolean(workspaceId) && daysValid}
      submitLabel="Create token"
      onSubmit={() => {
        setIssued(null);
        create.mutate({ workspaceId, name: name.trim(), expiresInDays: Number(days) });
      }}
      issued={
        issued && {
          label: `Token ${issued.name}`,
          token: issued.token,
          note: (
            <>
              <strong>Copy this token now.</strong> It will not be shown again. It acts as you in{" "}
              {issued.workspaceName || "its workspace"} until{" "}
              <time dateTime={issued.expiresAt.toISOString()}>{formatDate(issued.expiresAt)}</time>.
            </>
          ),
        }
      }
      onDone={() => setIssued(null)}
      unavailable={
        workspaces.isLoading ? (
          <ListSkeleton rows={1} label="Loading workspaces" />
        ) : noWorkspaces ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">
            Join or create a workspace first: every token belongs to one.
          </p>
        ) : null
      }
    >
      <div>
        <label htmlFor={workspaceSelectId} className="label">
          Workspace
        </label>
        <select
          id={workspaceSelectId}
          className="input"
          value={workspaceId}
          onChange={(e) => setPicked(e.target.value)}
        >
          {workspaces.data?.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name} ({w.role})
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={expiryId} className="label">
          Expires in (days)
        </label>
        <input
          id={expiryId}
          className="input"
          type="number"
          inputMode="numeric"
          min={1}
          max={365}
          step={1}
          list={`${expiryId}-choices`}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          aria-invalid={daysValid ? undefined : true}
          aria-describedby={daysValid ? undefined : `${expiryId}-error`}
          required
        />
        <datalist id={`${expiryId}-choices`}>
          {EXPIRY_CHOICES.map((d) => (
            <option key={d} value={d} />
          ))}
        </datalist>
        {!daysValid && (
          <p id={`${expiryId}-error`} className="field-error">
            Between 1 and 365 days.
          </p>
        )}
      </div>
    </IssueTokenCard>
  );
}
