"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useToast } from "@/components/Toaster";
import { useTRPC } from "@/lib/trpc";
import { ConnectionForm, ConnectionSettings, ConnectionsTab, type ConnectionNoun } from "./ConnectionSettings";
import { errorMessage, fieldError } from "./errors";
import { CredentialFields, TextField } from "./FormParts";
import { useCreateMutation } from "./settings-mutations";

export function SchemaRegistriesSettings({ workspaceId }: { workspaceId: string }) {
  return (
    <ConnectionsTab workspaceId={workspaceId} noun={NOUN}>
      {(canManage) => <Registries workspaceId={workspaceId} canManage={canManage} />}
    </ConnectionsTab>
  );
}

const NOUN: ConnectionNoun = { plural: "schema registries", one: "schema registry", short: "registry" };

function Registries({ workspaceId, canManage }: { workspaceId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const { toast } = useToast();
  const registries = useQuery(trpc.schemaRegistry.list.queryOptions({ workspaceId }));
  const [tested, setTested] = useState<Record<string, string>>({});
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
    <ConnectionSettings
      noun={NOUN}
      canManage={canManage}
      form={<CreateRegistry workspaceId={workspaceId} />}
      title="Schema registries"
      description="Confluent-compatible registries (Confluent, Redpanda, Apicurio's ccompat API). Kafka sources decode Avro, Protobuf and JSON Schema records with them; Kafka sinks register an Avro schema. Passwords are encrypted at rest and never shown again."
      query={registries}
      empty={{
        testId: "no-schema-registries",
        manage: "Add the registry your topics' producers register their schemas with.",
        read: "An admin can add a schema registry for Kafka nodes.",
      }}
      testIds={{ list: "schema-registry-list", row: "schema-registry-row" }}
      hintLabel="Password hidden"
      summary={(r) => r.url}
      note={(r) =>
        tested[r.id] && (
          <div className="text-xs" role="status">
            {tested[r.id]}
          </div>
        )
      }
      actions={(r) => (
        <button
          type="button"
          className="btn-ghost"
          disabled={test.isPending}
          onClick={() => test.mutate({ workspaceId, registryId: r.id })}
        >
          Test connection
        </button>
      )}
      remove={{
        options: trpc.schemaRegistry.delete.mutationOptions(),
        variables: (r) => ({ workspaceId, registryId: r.id }),
        list: trpc.schemaRegistry.list.queryFilter({ workspaceId }),
      }}
    />
  );
}

function CreateRegistry({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const create = useCreateMutation(trpc.schemaRegistry.create.mutationOptions(), {
    saved: (r) => {
      setName("");
      setUrl("");
      setUsername("");
      setPassword("");
      return `Added schema registry ${r.name}.`;
    },
    list: trpc.schemaRegistry.list.queryFilter({ workspaceId }),
    fields: ["name", "url"],
  });

  return (
    <ConnectionForm
      noun={NOUN}
      title="Add a schema registry"
      description="Admins only. Basic auth is optional; the password is write-only."
      name={name}
      onName={setName}
      namePlaceholder="Production registry"
      mutation={create}
      complete={url.trim() !== ""}
      onSubmit={() =>
        create.mutate({
          workspaceId,
          name: name.trim(),
          url: url.trim(),
          ...(username !== "" ? { credentials: { username, password } } : {}),
        })
      }
    >
      <TextField
        label="URL"
        value={url}
        onChange={setUrl}
        placeholder="https://registry.example.com"
        error={fieldError(create.error, "url")}
        help="The Confluent-compatible API, e.g. https://registry.example.com or …/apis/ccompat/v7"
        mono
      />
      <CredentialFields
        username={username}
        password={password}
        onUsername={setUsername}
        onPassword={setPassword}
        optional
      />
    </ConnectionForm>
  );
}
