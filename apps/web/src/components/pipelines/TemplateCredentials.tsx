"use client";
import { useQuery } from "@tanstack/react-query";
import { DEMO_INGEST_KEY_NAME, LOCAL_SECRET_NAMES, type TemplateCredential } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";

/** What the user decided for one template placeholder: an existing credential, a new one, or later. */
export type CredentialChoice =
  | { mode: "existing"; id: string }
  | { mode: "new"; name: string; value: string }
  | { mode: "later" };

const NEW = "__new__";
const LATER = "__later__";

const VALUE_HINT: Record<string, string> = {
  postgres: "postgresql://user:password@host:5432/database",
  redis: "redis://:password@host:6379/0",
};

/** Salts and signing secrets need no meaning, only entropy: offer one. */
function generated(secretKind: TemplateCredential["secretKind"]): string {
  if (secretKind !== "hash-salt" && secretKind !== "webhook-signing") return "";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

type Lists = {
  secrets: { id: string; name: string; hint: string }[];
  keys: { id: string; name: string; prefix: string; revokedAt: Date | string | null; scope: "ingest" | "read" }[];
};

/**
 * The choice made before the user touches anything: the local stack's seeded credential when there is
 * one (`npm start` seeds them in the demo workspace), otherwise a new one when the role may create it.
 */
export function defaultChoice(
  need: TemplateCredential,
  lists: Lists,
  canCreate: { secret: boolean; apiKey: boolean },
  templateId: string,
): CredentialChoice {
  if (need.kind === "api-key") {
    const keys = lists.keys.filter((k) => !k.revokedAt && k.scope === "ingest");
    const key = keys.find((k) => k.name === DEMO_INGEST_KEY_NAME) ?? keys[0];
    if (key) return { mode: "existing", id: key.id };
    return canCreate.apiKey ? { mode: "new", name: `${templateId} ingest`, value: "" } : { mode: "later" };
  }
  const localName = need.secretKind ? LOCAL_SECRET_NAMES[need.secretKind] : undefined;
  const local = localName ? lists.secrets.find((s) => s.name === localName) : undefined;
  if (local) return { mode: "existing", id: local.id };
  return canCreate.secret
    ? { mode: "new", name: `${templateId}-${need.secretKind ?? "secret"}`, value: generated(need.secretKind) }
    : { mode: "later" };
}

export type CredentialLists = Lists;

/** The workspace's secrets and API keys to pick from; undefined while loading. Empty lists for roles that cannot read them. */
export function useCredentialLists(workspaceId: string, scopes: ReadonlySet<string>): CredentialLists | undefined {
  const trpc = useTRPC();
  const canSecrets = scopes.has("secret:read");
  const canKeys = scopes.has("apikey:read");
  const secrets = useQuery({ ...trpc.secret.list.queryOptions({ workspaceId }), enabled: canSecrets });
  const keys = useQuery({ ...trpc.apiKey.list.queryOptions({ workspaceId }), enabled: canKeys });
  if ((canSecrets && !secrets.data) || (canKeys && !keys.data)) return undefined;
  return { secrets: secrets.data ?? [], keys: keys.data ?? [] };
}

export function creatableCredentials(scopes: ReadonlySet<string>) {
  return { secret: scopes.has("secret:manage"), apiKey: scopes.has("apikey:manage") };
}

/** One row per credential a template needs: pick an existing one or create it here, without visiting Settings. */
export function TemplateCredentials({
  needs,
  templateId,
  lists,
  canCreate,
  choices,
  onChange,
}: {
  needs: readonly TemplateCredential[];
  templateId: string;
  lists: CredentialLists;
  canCreate: { secret: boolean; apiKey: boolean };
  choices: Readonly<Record<string, CredentialChoice>>;
  onChange: (placeholder: string, choice: CredentialChoice) => void;
}) {
  if (needs.length === 0) return null;
  return (
    <fieldset
      className="space-y-3 rounded-lg border border-slate-200 p-3 dark:border-slate-700"
      data-testid="template-credentials"
    >
      <legend className="label px-1">Credentials this template needs</legend>
      {needs.map((need) => {
        const choice = choices[need.placeholder] ?? { mode: "later" };
        const id = `credential-${need.placeholder}`;
        const existing =
          need.kind === "api-key"
            ? lists.keys
                .filter((k) => !k.revokedAt && k.scope === "ingest")
                .map((k) => ({ id: k.id, text: `${k.name} (${k.prefix}…)` }))
            : lists.secrets.map((s) => ({ id: s.id, text: `${s.name} (${s.hint})` }));
        const mayCreate = need.kind === "api-key" ? canCreate.apiKey : canCreate.secret;
        return (
          <div key={need.placeholder}>
            <label htmlFor={id} className="label">
              {need.title}{" "}
              <span className="font-normal text-slate-500">for {need.nodes.map((n) => n.label).join(", ")}</span>
            </label>
            <select
              id={id}
              data-testid={id}
              className="input"
              value={choice.mode === "existing" ? choice.id : choice.mode === "new" ? NEW : LATER}
              onChange={(e) => {
                const v = e.target.value;
                if (v === NEW)
                  onChange(need.placeholder, {
                    mode: "new",
                    name:
                      need.kind === "api-key" ? `${templateId} ingest` : `${templateId}-${need.secretKind ?? "secret"}`,
                    value: generated(need.secretKind),
                  });
                else if (v === LATER) onChange(need.placeholder, { mode: "later" });
                else onChange(need.placeholder, { mode: "existing", id: v });
              }}
            >
              {existing.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.text}
                </option>
              ))}
              {mayCreate && <option value={NEW}>Create a new {need.kind === "api-key" ? "API key" : "secret"}…</option>}
              <option value={LATER}>Decide later (the node shows a problem until then)</option>
            </select>
            {choice.mode === "new" && (
              <div className="mt-2 grid gap-2 sm:grid-cols-2">
                <input
                  aria-label={`Name of the new ${need.kind === "api-key" ? "API key" : "secret"} (${need.title})`}
                  data-testid={`${id}-name`}
                  className="input"
                  required
                  maxLength={80}
                  value={choice.name}
                  onChange={(e) => onChange(need.placeholder, { ...choice, name: e.target.value })}
                />
                {need.kind === "secret" && (
                  <input
                    aria-label={`Value of the new secret (${need.title})`}
                    data-testid={`${id}-value`}
                    className="input font-mono"
                    type="password"
                    autoComplete="off"
                    required
                    maxLength={8192}
                    placeholder={VALUE_HINT[need.secretKind ?? ""] ?? "value"}
                    value={choice.value}
                    onChange={(e) => onChange(need.placeholder, { ...choice, value: e.target.value })}
                  />
                )}
              </div>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
