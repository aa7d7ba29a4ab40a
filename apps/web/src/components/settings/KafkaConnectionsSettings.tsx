"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { KafkaSaslMechanism, type KafkaSecurity } from "@sluice/shared";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";
import { Field } from "@/components/forms/Field";
import { ConnectionForm, ConnectionSettings, ConnectionsTab, type ConnectionNoun } from "./ConnectionSettings";
import { errorMessage, fieldError } from "./errors";
import { CredentialFields, TextField } from "./FormParts";
import { useCreateMutation } from "./settings-mutations";

export function KafkaConnectionsSettings({ workspaceId }: { workspaceId: string }) {
  return (
    <ConnectionsTab workspaceId={workspaceId} noun={NOUN}>
      {(canManage) => <Connections workspaceId={workspaceId} canManage={canManage} />}
    </ConnectionsTab>
  );
}

const NOUN: ConnectionNoun = { plural: "Kafka connections", one: "connection", short: "connection" };

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
  const { toast } = useToast();
  const connections = useQuery(trpc.kafkaConnection.list.queryOptions({ workspaceId }));
  const [tested, setTested] = useState<{ id: string; outcome: TestOutcome } | null>(null);
  const test = useMutation(
    trpc.kafkaConnection.test.mutationOptions({
      onSuccess: (outcome, input) => setTested({ id: input.connectionId!, outcome }),
      onError: (e) => toast(errorMessage(e), "error"),
    }),
  );

  return (
    <ConnectionSettings
      noun={NOUN}
      canManage={canManage}
      form={<CreateConnection workspaceId={workspaceId} />}
      title="Kafka connections"
      description="Clusters other than Sluice's own that Kafka source and sink nodes may use. Without a connection, a node reads and writes this workspace's topics on Sluice's cluster. Credentials are encrypted at rest and never shown again."
      query={connections}
      empty={{
        testId: "no-kafka-connections",
        manage: "Add a cluster your pipelines should read from or write to.",
        read: "An admin can register other Kafka clusters for pipeline nodes.",
      }}
      testIds={{ list: "kafka-connection-list", row: "kafka-connection-row" }}
      hintLabel="Credentials hidden"
      summary={(c) => (
        <>
          {c.config.bootstrapServers.join(", ")} · {c.config.security.protocol}
          {"mechanism" in c.config.security ? ` ${c.config.security.mechanism}` : ""}
          {"clientCertificate" in c.config.security && c.config.security.clientCertificate
            ? " · client certificate"
            : ""}
        </>
      )}
      actions={(c) => (
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
      below={(c) => tested?.id === c.id && <TestResult outcome={tested.outcome} />}
      remove={{
        options: trpc.kafkaConnection.delete.mutationOptions(),
        variables: (c) => ({ workspaceId, connectionId: c.id }),
        list: trpc.kafkaConnection.list.queryFilter({ workspaceId }),
      }}
    />
  );
}

function CreateConnection({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
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
  const create = useCreateMutation(trpc.kafkaConnection.create.mutationOptions(), {
    saved: (c) => {
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
      return `Added connection ${c.name}.`;
    },
    list: trpc.kafkaConnection.list.queryFilter({ workspaceId }),
    fields: ["name", "config"],
  });

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

  function onTest() {
    setTested(null);
    test.mutate({ workspaceId, ...values() });
  }

  return (
    <ConnectionForm
      noun={NOUN}
      title="Add a Kafka connection"
      description="Admins only. The password is write-only: after saving, only a masked hint is visible."
      name={name}
      onName={setName}
      namePlaceholder="Analytics cluster"
      mutation={create}
      complete={servers.trim() !== ""}
      onSubmit={() => create.mutate({ workspaceId, name: name.trim(), ...values() })}
      buttons={
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
      }
      result={tested && <TestResult outcome={tested} />}
    >
      <TextField
        label="Bootstrap servers"
        value={servers}
        onChange={setServers}
        placeholder="broker-1.example.com:9092"
        error={fieldError(create.error, "config")}
        help="host:port, comma-separated"
        mono
      />
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
            <CredentialFields
              username={username}
              password={password}
              onUsername={setUsername}
              onPassword={setPassword}
            />
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
    </ConnectionForm>
  );
}
