"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { KafkaSaslMechanism, type KafkaSecurity } from "@sluice/shared";
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

export function KafkaConnectionsSettings({ workspaceId }: { workspaceId: string }) {
  const { role, can, isLoading } = useWorkspaceAccess(workspaceId);
  if (isLoading) return <ListSkeleton rows={3} label="Loading Kafka connections" />;
  if (!can("connection:read")) return <NeedRole scope="connection:read" action="view Kafka connections" role={role} />;
  return <Connections workspaceId={workspaceId} canManage={can("connection:manage")} />;
}

type Connection = { id: string; name: string };
type TestOutcome =
  | { ok: true; brokers: number; topicCount: number; topics: { name: string; partitions: number }[] }
  | { ok: false; category: "auth" | "tls" | "unreachable" | "timeout" | "other"; message: string };

const CATEGORY_LABEL: Record<Extract<TestOutcome, { ok: false }>["category"], string> = {
  auth: "Authentication failed",
  tls: "TLS problem",
  unreachable: "Brokers unreachable",
  timeout: "Timed out",
  other: "Connection failed",
};

/** What "Test connection" found: the cluster's topics, or why it could not connect. */
function TestResult({ outcome }: { outcome: TestOutcome }) {
  if (!outcome.ok) {
    return (
      <div
        role="alert"
        data-testid="kafka-connection-test-result"
        className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
      >
        <div className="font-medium">{CATEGORY_LABEL[outcome.category]}</div>
        <div>{outcome.message}</div>
      </div>
    );
  }
  return (
    <div
      role="status"
      data-testid="kafka-connection-test-result"
      className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
    >
      <div className="font-medium">
        Connected · {outcome.brokers} {outcome.brokers === 1 ? "broker" : "brokers"} · {outcome.topicCount}{" "}
        {outcome.topicCount === 1 ? "topic" : "topics"}
        {outcome.topics.length < outcome.topicCount ? ` (first ${outcome.topics.length} shown)` : ""}
      </div>
      {outcome.topics.length > 0 && (
        <ul className="mt-2 max-h-48 overflow-auto font-mono text-xs" aria-label="Topics">
          {outcome.topics.map((t) => (
            <li key={t.name}>
              {t.name}{" "}
              <span className="text-slate-500 dark:text-slate-400">
                · {t.partitions} {t.partitions === 1 ? "partition" : "partitions"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
type Protocol = KafkaSecurity["protocol"];

const PROTOCOLS: { value: Protocol; label: string }[] = [
  { value: "plaintext", label: "PLAINTEXT" },
  { value: "ssl", label: "SSL" },
  { value: "sasl_plaintext", label: "SASL over PLAINTEXT" },
  { value: "sasl_ssl", label: "SASL over SSL" },
];

function Connections({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const connections = useQuery(trpc.kafkaConnection.list.queryOptions({ workspaceId }));
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const [tested, setTested] = useState<{ id: string; outcome: TestOutcome } | null>(null);
  const test = useMutation(
    trpc.kafkaConnection.test.mutationOptions({
      onSuccess: (outcome, input) => setTested({ id: input.connectionId!, outcome }),
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );
  const del = useMutation(
    trpc.kafkaConnection.delete.mutationOptions({
      onSuccess: async () => {
        toast(`Deleted connection ${deleting?.name ?? ""}.`, "success");
        setDeleting(null);
        await qc.invalidateQueries(trpc.kafkaConnection.list.queryFilter({ workspaceId }));
      },
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <>
      {canManage && <CreateConnection workspaceId={workspaceId} />}
      <SettingsCard
        title="Kafka connections"
        description="Clusters other than Sluice's own that Kafka source and sink nodes may use. Without a connection, a node reads and writes this workspace's topics on Sluice's cluster. Credentials are encrypted at rest and never shown again."
      >
        <QueryState
          query={connections}
          items={connections.data}
          loading={{ rows: 2, label: "Loading Kafka connections" }}
          empty={
            <EmptyState title="No Kafka connections" testId="no-kafka-connections">
              {canManage
                ? "Add a cluster your pipelines should read from or write to."
                : "An admin can register other Kafka clusters for pipeline nodes."}
            </EmptyState>
          }
        >
          {(list) => (
            <SettingsList testId="kafka-connection-list">
              {list.map((c) => (
                <li key={c.id} className="flex flex-wrap items-center gap-3 py-3" data-testid="kafka-connection-row">
                  <div className="min-w-0 flex-1">
                    <div className="truncate text-sm font-medium">{c.name}</div>
                    <div className="truncate font-mono text-xs text-slate-500 dark:text-slate-400">
                      {c.config.bootstrapServers.join(", ")} · {c.config.security.protocol}
                      {"mechanism" in c.config.security ? ` ${c.config.security.mechanism}` : ""}
                      {"clientCertificate" in c.config.security && c.config.security.clientCertificate
                        ? " · client certificate"
                        : ""}
                    </div>
                    <div className="text-xs text-slate-500 dark:text-slate-400">
                      Created by {c.createdBy.name} · updated <RelativeTime at={c.updatedAt} />
                    </div>
                  </div>
                  {c.credentialsHint && (
                    <span
                      className="font-mono text-sm text-slate-500 dark:text-slate-400"
                      aria-label="Credentials hidden"
                    >
                      {c.credentialsHint}
                    </span>
                  )}
                  {canManage && (
                    <button
                      type="button"
                      className="btn-ghost"
                      disabled={test.isPending}
                      onClick={() => {
                        setTested(null);
                        test.mutate({ workspaceId, connectionId: c.id });
                      }}
                      aria-label={`Test ${c.name}`}
                    >
                      {test.isPending && test.variables?.connectionId === c.id ? "Testing…" : "Test"}
                    </button>
                  )}
                  {canManage && (
                    <button
                      type="button"
                      className="btn-ghost text-red-600 dark:text-red-400"
                      onClick={() => setDeleting(c)}
                      aria-label={`Delete ${c.name}`}
                    >
                      Delete
                    </button>
                  )}
                  {tested?.id === c.id && (
                    <div className="basis-full">
                      <TestResult outcome={tested.outcome} />
                    </div>
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
          confirmLabel="Delete connection"
          pending={del.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => del.mutate({ workspaceId, connectionId: deleting.id })}
        >
          <p>
            Pipelines whose nodes use this connection can no longer be published or deployed until they pick another.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateConnection({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { toast } = useToast();
  const [name, setName] = useState("");
  const [servers, setServers] = useState("");
  const [protocol, setProtocol] = useState<Protocol>("plaintext");
  const [mechanism, setMechanism] = useState<KafkaSaslMechanism>("SCRAM-SHA-256");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [ca, setCa] = useState("");
  const [clientCertificate, setClientCertificate] = useState(false);
  const [clientCert, setClientCert] = useState("");
  const [clientKey, setClientKey] = useState("");
  const [tested, setTested] = useState<TestOutcome | null>(null);
  const sasl = protocol === "sasl_plaintext" || protocol === "sasl_ssl";
  const bearer = sasl && mechanism === "OAUTHBEARER";
  const tls = protocol === "ssl" || protocol === "sasl_ssl";
  const mtls = tls && clientCertificate;
  const test = useMutation(
    trpc.kafkaConnection.test.mutationOptions({
      onSuccess: (outcome) => setTested(outcome),
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );
  const create = useMutation(
    trpc.kafkaConnection.create.mutationOptions({
      onSuccess: async (c) => {
        setName("");
        setServers("");
        setUsername("");
        setPassword("");
        setToken("");
        setCa("");
        setClientCertificate(false);
        setClientCert("");
        setClientKey("");
        setTested(null);
        toast(`Added connection ${c.name}.`, "success");
        await qc.invalidateQueries(trpc.kafkaConnection.list.queryFilter({ workspaceId }));
      },
      onError: (e) => {
        if (!fieldError(e, "name") && !fieldError(e, "config")) toast(errorMessage(e), "error");
      },
    }),
  );

  /** The form's values as a connection (what is saved, and what "Test connection" tries). */
  function values() {
    const bootstrapServers = servers
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const tlsOptions = {
      ...(ca.trim() === "" ? {} : { ca: ca.trim() }),
      ...(mtls ? { clientCertificate: true } : {}),
    };
    const security: KafkaSecurity =
      protocol === "sasl_ssl"
        ? { protocol, mechanism, ...tlsOptions }
        : protocol === "sasl_plaintext"
          ? { protocol, mechanism }
          : protocol === "ssl"
            ? { protocol, ...tlsOptions }
            : { protocol };
    const credentials = {
      ...(sasl && !bearer ? { username, password } : {}),
      ...(bearer ? { token: token.trim() } : {}),
      ...(mtls ? { clientCert: clientCert.trim(), clientKey: clientKey.trim() } : {}),
    };
    return { config: { bootstrapServers, security }, ...(sasl || mtls ? { credentials } : {}) };
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ workspaceId, name: name.trim(), ...values() });
  }

  function onTest() {
    setTested(null);
    test.mutate({ workspaceId, ...values() });
  }

  return (
    <SettingsCard
      title="Add a Kafka connection"
      description="Admins only. The password is write-only: after saving, only a masked hint is visible."
    >
      <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-2" aria-label="Add a Kafka connection">
        <Field label="Name" error={fieldError(create.error, "name")}>
          {(control) => (
            <input
              {...control}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Analytics cluster"
              maxLength={80}
              required
            />
          )}
        </Field>
        <Field label="Bootstrap servers" error={fieldError(create.error, "config")} help="host:port, comma-separated">
          {(control) => (
            <input
              {...control}
              className="input font-mono"
              value={servers}
              onChange={(e) => setServers(e.target.value)}
              placeholder="broker-1.example.com:9092"
              spellCheck={false}
              required
            />
          )}
        </Field>
        <Field label="Security protocol">
          {(control) => (
            <select
              {...control}
              className="input"
              value={protocol}
              onChange={(e) => setProtocol(e.target.value as Protocol)}
            >
              {PROTOCOLS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {sasl && (
          <>
            <Field label="SASL mechanism">
              {(control) => (
                <select
                  {...control}
                  className="input"
                  value={mechanism}
                  onChange={(e) => setMechanism(e.target.value as KafkaSaslMechanism)}
                >
                  {KafkaSaslMechanism.options.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {bearer ? (
              <Field
                label="Token"
                help="A bearer token (JWT) from your identity provider; sealed at rest. Replace it before it expires."
              >
                {(control) => (
                  <textarea
                    {...control}
                    className="input font-mono text-xs"
                    rows={3}
                    value={token}
                    onChange={(e) => setToken(e.target.value)}
                    spellCheck={false}
                    autoComplete="off"
                    required
                  />
                )}
              </Field>
            ) : (
              <>
                <Field label="Username">
                  {(control) => (
                    <input
                      {...control}
                      className="input"
                      value={username}
                      onChange={(e) => setUsername(e.target.value)}
                      autoComplete="off"
                      required
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
                      required
                    />
                  )}
                </Field>
              </>
            )}
          </>
        )}
        {tls && (
          <div className="sm:col-span-2">
            <Field
              label="CA certificate (PEM, optional)"
              error={fieldError(create.error, "config") ?? fieldError(test.error, "config")}
              help="The certificate authority your brokers' certificates chain to. Empty: the system's CAs."
            >
              {(control) => (
                <textarea
                  {...control}
                  className="input font-mono text-xs"
                  rows={4}
                  value={ca}
                  onChange={(e) => setCa(e.target.value)}
                  placeholder="-----BEGIN CERTIFICATE-----"
                  spellCheck={false}
                />
              )}
            </Field>
            <label className="mt-2 flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                className="h-4 w-4 rounded border-slate-300"
                checked={clientCertificate}
                onChange={(e) => setClientCertificate(e.target.checked)}
              />
              Client certificate (mutual TLS)
            </label>
          </div>
        )}
        {mtls && (
          <>
            <Field label="Client certificate (PEM)" help="Signed by a CA the brokers trust.">
              {(control) => (
                <textarea
                  {...control}
                  className="input font-mono text-xs"
                  rows={4}
                  value={clientCert}
                  onChange={(e) => setClientCert(e.target.value)}
                  placeholder="-----BEGIN CERTIFICATE-----"
                  spellCheck={false}
                  required
                />
              )}
            </Field>
            <Field label="Client key (PEM)" help="Unencrypted; sealed at rest and never shown again.">
              {(control) => (
                <textarea
                  {...control}
                  className="input font-mono text-xs"
                  rows={4}
                  value={clientKey}
                  onChange={(e) => setClientKey(e.target.value)}
                  placeholder="-----BEGIN PRIVATE KEY-----"
                  spellCheck={false}
                  autoComplete="off"
                  required
                />
              )}
            </Field>
          </>
        )}
        <div className="flex flex-wrap gap-2 sm:col-span-2">
          <button
            type="submit"
            className="btn-primary"
            disabled={create.isPending || name.trim() === "" || servers.trim() === ""}
          >
            {create.isPending ? "Saving…" : "Add connection"}
          </button>
          <button
            type="button"
            className="btn-secondary"
            onClick={onTest}
            disabled={
              test.isPending ||
              servers.trim() === "" ||
              (sasl && !bearer && (username === "" || password === "")) ||
              (bearer && token.trim() === "") ||
              (mtls && (clientCert.trim() === "" || clientKey.trim() === ""))
            }
          >
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
        </div>
        {tested && (
          <div className="sm:col-span-2">
            <TestResult outcome={tested} />
          </div>
        )}
      </form>
    </SettingsCard>
  );
}
