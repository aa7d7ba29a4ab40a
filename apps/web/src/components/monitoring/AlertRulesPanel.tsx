"use client";
import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { minimumRole, useWorkspaceAccess } from "@/components/settings/use-workspace-access";
import { toneClass } from "./format";

const KINDS = {
  lag_seconds: { label: "Lag above (seconds)", unit: "s", hint: "Age of the oldest unprocessed event on any edge." },
  error_rate: {
    label: "Error rate above (%)",
    unit: "%",
    hint: "Errors over events in, for the pipeline or one node.",
  },
  throughput_below: {
    label: "Throughput below (events/s)",
    unit: "/s",
    hint: "Events in at the sources (or one node): a stalled source.",
  },
  freshness: {
    label: "Sink freshness above (seconds)",
    unit: "s",
    hint: "Now minus the event time of the newest event a sink wrote.",
  },
  node_failing: { label: "Node failing", unit: "", hint: "Fires while any node (or the chosen one) reports failing." },
} as const;
type Kind = keyof typeof KINDS;

type RuleForm = {
  name: string;
  kind: Kind;
  nodeId: string;
  threshold: string;
  forSeconds: string;
  webhookUrl: string;
  webhookSecretId: string;
  enabled: boolean;
};
const EMPTY: RuleForm = {
  name: "",
  kind: "lag_seconds",
  nodeId: "",
  threshold: "30",
  forSeconds: "60",
  webhookUrl: "",
  webhookSecretId: "",
  enabled: true,
};

/** Alert rules of one pipeline (admins edit, others read) and its firing/resolved history. */
export function AlertRulesPanel({
  workspaceId,
  pipelineId,
  graph,
}: {
  workspaceId: string;
  pipelineId: string;
  graph: PipelineGraph | undefined;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const { can, role } = useWorkspaceAccess(workspaceId);
  const canManage = can("alert:manage");
  const rules = useQuery(trpc.alert.listRules.queryOptions({ workspaceId, pipelineId }));
  const history = useQuery({
    ...trpc.alert.events.queryOptions({ workspaceId, pipelineId, limit: 20 }),
    refetchInterval: 30_000,
  });
  const secrets = useQuery({
    ...trpc.secret.list.queryOptions({ workspaceId }),
    enabled: canManage && can("secret:read"),
  });
  const [editing, setEditing] = useState<{ id: string | null; form: RuleForm } | null>(null);
  const [shownSecret, setShownSecret] = useState<string | null>(null);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.alert.listRules.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.alert.firing.pathKey() });
  };
  const onError = (e: { message: string }) => toast(e.message, "error");
  const create = useMutation(
    trpc.alert.createRule.mutationOptions({
      onSuccess: () => (setEditing(null), refresh(), toast("Alert rule created", "success")),
      onError,
    }),
  );
  const update = useMutation(
    trpc.alert.updateRule.mutationOptions({ onSuccess: () => (setEditing(null), refresh()), onError }),
  );
  const remove = useMutation(trpc.alert.deleteRule.mutationOptions({ onSuccess: refresh, onError }));
  const createSecret = useMutation(trpc.secret.create.mutationOptions({ onError }));

  function submit(id: string | null, f: RuleForm) {
    const fields = {
      name: f.name.trim(),
      kind: f.kind,
      nodeId: f.nodeId || null,
      threshold: Number(f.threshold) || 0,
      forSeconds: Math.max(0, Math.round(Number(f.forSeconds) || 0)),
      webhookUrl: f.webhookUrl.trim() || null,
      webhookSecretId: f.webhookSecretId || null,
      enabled: f.enabled,
    };
    if (id) update.mutate({ workspaceId, ruleId: id, ...fields });
    else create.mutate({ workspaceId, pipelineId, ...fields });
  }

  async function generateSecret(form: RuleForm) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const value = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const name = `alert-${(form.name || "webhook").replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 40)}-${Date.now().toString(36)}`;
    const secret = await createSecret.mutateAsync({ workspaceId, name, value });
    await secrets.refetch();
    setShownSecret(value);
    setEditing((e) => (e ? { ...e, form: { ...e.form, webhookSecretId: secret.id } } : e));
  }

  return (
    <section className="card mt-6 p-4" aria-label="Alert rules" data-testid="alert-rules">
      <div className="mb-3 flex items-center gap-2">
        <h2 className="text-sm font-medium">Alert rules</h2>
        {canManage ? (
          !editing && (
            <button
              type="button"
              className="btn-secondary ml-auto text-xs"
              onClick={() => setEditing({ id: null, form: EMPTY })}
            >
              New rule
            </button>
          )
        ) : (
          <p className="ml-auto text-xs text-slate-500" data-testid="alerts-need-role">
            You need the {minimumRole("alert:manage")} role to create or change alert rules
            {role ? ` (you are ${role})` : ""}.
          </p>
        )}
      </div>
      {editing && canManage && (
        <RuleEditor
          initial={editing.form}
          key={editing.id ?? "new"}
          isNew={editing.id === null}
          nodes={graph?.nodes.map((n) => ({ id: n.id, label: n.label ?? n.id })) ?? []}
          secrets={secrets.data?.map((s) => ({ id: s.id, name: s.name })) ?? []}
          selectedSecret={editing.form.webhookSecretId}
          pending={create.isPending || update.isPending}
          onGenerateSecret={(f) => void generateSecret(f)}
          onCancel={() => (setEditing(null), setShownSecret(null))}
          onSubmit={(f) => submit(editing.id, f)}
        />
      )}
      {shownSecret && (
        <div
          className="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-xs dark:border-amber-800 dark:bg-amber-950"
          role="status"
        >
          <p className="font-medium">
            Signing secret — shown once. Copy it into the receiver now; Sluice stores it encrypted and will not show it
            again.
          </p>
          <code className="mt-1 block font-mono break-all select-all" data-testid="alert-secret-once">
            {shownSecret}
          </code>
          <button type="button" className="btn-ghost mt-1 text-xs" onClick={() => setShownSecret(null)}>
            I saved it
          </button>
        </div>
      )}
      {rules.data && rules.data.length > 0 ? (
        <ul className="divide-y divide-slate-200 text-sm dark:divide-slate-800">
          {rules.data.map((r) => (
            <li key={r.id} className="flex flex-wrap items-center gap-2 py-2" data-testid={`alert-rule-${r.name}`}>
              <span
                className={`rounded px-1.5 py-0.5 text-[10px] font-medium ${r.enabled ? toneClass.ok : toneClass.idle} border`}
              >
                {r.enabled ? "enabled" : "disabled"}
              </span>
              <span className="font-medium">{r.name}</span>
              <span className="text-xs text-slate-500">
                {KINDS[r.kind].label.replace(/ \(.*\)/, "")}{" "}
                {r.kind === "node_failing" ? "" : `${r.threshold}${KINDS[r.kind].unit}`} for {r.forSeconds} s
                {r.nodeId ? ` · node ${r.nodeId}` : ""}
                {r.webhookUrl ? ` · webhook ${new URL(r.webhookUrl).host}${r.webhookSecretId ? " (signed)" : ""}` : ""}
              </span>
              {canManage && (
                <span className="ml-auto flex gap-1">
                  <button
                    type="button"
                    className="btn-ghost text-xs"
                    onClick={() => update.mutate({ workspaceId, ruleId: r.id, enabled: !r.enabled })}
                  >
                    {r.enabled ? "Disable" : "Enable"}
                  </button>
                  <button
                    type="button"
                    className="btn-ghost text-xs"
                    onClick={() =>
                      setEditing({
                        id: r.id,
                        form: {
                          name: r.name,
                          kind: r.kind,
                          nodeId: r.nodeId ?? "",
                          threshold: String(r.threshold),
                          forSeconds: String(r.forSeconds),
                          webhookUrl: r.webhookUrl ?? "",
                          webhookSecretId: r.webhookSecretId ?? "",
                          enabled: r.enabled,
                        },
                      })
                    }
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="btn-ghost text-xs text-red-600"
                    onClick={() =>
                      window.confirm(`Delete the rule "${r.name}" and its history?`) &&
                      remove.mutate({ workspaceId, ruleId: r.id })
                    }
                  >
                    Delete
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">No alert rules for this pipeline.</p>
      )}

      <h3 className="mt-5 mb-2 text-sm font-medium">Alert history</h3>
      {history.data && history.data.length > 0 ? (
        <ul className="divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="alert-history">
          {history.data.map((a) => (
            <li key={a.id} className="flex items-center gap-3 py-2">
              <span
                className={`rounded border px-2 py-0.5 text-xs font-medium ${a.state === "firing" ? toneClass.bad : toneClass.ok}`}
              >
                {a.state}
              </span>
              <span className="font-medium">{a.rule.name}</span>
              <span className="text-slate-500">{a.message}</span>
              <span className="ml-auto text-xs text-slate-500">{a.createdAt.toLocaleString()}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">No alerts have fired for this pipeline.</p>
      )}
    </section>
  );
}

function RuleEditor(props: {
  initial: RuleForm;
  isNew: boolean;
  nodes: { id: string; label: string }[];
  secrets: { id: string; name: string }[];
  selectedSecret: string;
  pending: boolean;
  onGenerateSecret: (form: RuleForm) => void;
  onCancel: () => void;
  onSubmit: (form: RuleForm) => void;
}) {
  const [f, setF] = useState(props.initial);
  const set = <K extends keyof RuleForm>(k: K, v: RuleForm[K]) => setF((x) => ({ ...x, [k]: v }));
  // A generated secret is selected for the user once it exists.
  useEffect(() => {
    if (props.selectedSecret) setF((x) => ({ ...x, webhookSecretId: props.selectedSecret }));
  }, [props.selectedSecret]);
  const webhookSecretId = f.webhookSecretId;
  return (
    <form
      className="mb-4 grid gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-2 dark:border-slate-800"
      aria-label={props.isNew ? "New alert rule" : "Edit alert rule"}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit({ ...f, webhookSecretId });
      }}
    >
      <div>
        <label className="label" htmlFor="rule-name">
          Name
        </label>
        <input
          id="rule-name"
          className="input"
          required
          maxLength={120}
          value={f.name}
          onChange={(e) => set("name", e.target.value)}
        />
      </div>
      <div>
        <label className="label" htmlFor="rule-kind">
          Condition
        </label>
        <select id="rule-kind" className="input" value={f.kind} onChange={(e) => set("kind", e.target.value as Kind)}>
          {(Object.keys(KINDS) as Kind[]).map((k) => (
            <option key={k} value={k}>
              {KINDS[k].label}
            </option>
          ))}
        </select>
        <p className="mt-1 text-[11px] text-slate-500">{KINDS[f.kind].hint}</p>
      </div>
      {f.kind !== "node_failing" && (
        <div>
          <label className="label" htmlFor="rule-threshold">
            Threshold ({KINDS[f.kind].unit})
          </label>
          <input
            id="rule-threshold"
            className="input"
            type="number"
            min={0}
            step="any"
            required
            value={f.threshold}
            onChange={(e) => set("threshold", e.target.value)}
          />
        </div>
      )}
      <div>
        <label className="label" htmlFor="rule-for">
          For at least (seconds)
        </label>
        <input
          id="rule-for"
          className="input"
          type="number"
          min={0}
          max={86400}
          required
          value={f.forSeconds}
          onChange={(e) => set("forSeconds", e.target.value)}
        />
      </div>
      {f.kind !== "lag_seconds" && (
        <div>
          <label className="label" htmlFor="rule-node">
            Node
          </label>
          <select id="rule-node" className="input" value={f.nodeId} onChange={(e) => set("nodeId", e.target.value)}>
            <option value="">{f.kind === "throughput_below" ? "All sources" : "Whole pipeline"}</option>
            {props.nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="sm:col-span-2">
        <label className="label" htmlFor="rule-webhook">
          Webhook URL (optional)
        </label>
        <input
          id="rule-webhook"
          className="input"
          type="url"
          placeholder="https://hooks.example.com/sluice"
          value={f.webhookUrl}
          onChange={(e) => set("webhookUrl", e.target.value)}
        />
      </div>
      {f.webhookUrl && (
        <div className="sm:col-span-2">
          <label className="label" htmlFor="rule-secret">
            Signing secret (HMAC header x-sluice-signature)
          </label>
          <div className="flex gap-2">
            <select
              id="rule-secret"
              className="input"
              value={webhookSecretId}
              onChange={(e) => set("webhookSecretId", e.target.value)}
            >
              <option value="">Unsigned</option>
              {props.secrets.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="button" className="btn-secondary shrink-0 text-xs" onClick={() => props.onGenerateSecret(f)}>
              Generate new
            </button>
          </div>
        </div>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={f.enabled} onChange={(e) => set("enabled", e.target.checked)} /> Enabled
      </label>
      <div className="flex justify-end gap-2 sm:col-span-2">
        <button type="button" className="btn-secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn-primary" disabled={props.pending || !f.name.trim()}>
          {props.isNew ? "Create rule" : "Save rule"}
        </button>
      </div>
    </form>
  );
}
