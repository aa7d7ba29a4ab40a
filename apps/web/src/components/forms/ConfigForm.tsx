"use client";
import { useEffect, useMemo, useState } from "react";
import { z } from "zod";
import { useQuery } from "@tanstack/react-query";
import type { GraphProblem, JsonValue, NodeDescriptor } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { problemText } from "@/components/canvas/graph-model";
import { ExpressionField } from "./ExpressionField";
import { enumOf, typeOf, type FieldSchema } from "./json-schema-types";

type Config = Record<string, JsonValue>;
type Path = (string | number)[];

type FormContext = {
  nodeId: string;
  workspaceId: string;
  readOnly: boolean;
  canReadSecrets: boolean;
  problems: ReadonlyMap<string, string[]>;
  set: (path: Path, value: JsonValue | undefined) => void;
};

export function fieldDomId(nodeId: string, path: string): string {
  return `field-${nodeId}-${path.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function setIn(value: JsonValue | undefined, path: Path, next: JsonValue | undefined): JsonValue | undefined {
  if (path.length === 0) return next;
  const [head, ...rest] = path as [string | number, ...Path];
  if (typeof head === "number") {
    const list = Array.isArray(value) ? [...value] : [];
    list[head] = setIn(list[head], rest, next) ?? null;
    return list;
  }
  const object: Record<string, JsonValue> =
    value && typeof value === "object" && !Array.isArray(value) ? { ...value } : {};
  const updated = setIn(object[head], rest, next);
  if (updated === undefined) delete object[head];
  else object[head] = updated;
  return object;
}

/**
 * A node's config form, generated from its zod schema via `z.toJSONSchema` (input side, so defaults
 * stay optional) and the `ui()` metadata on each field. Problems from validateGraph show under the
 * field they name.
 */
export function ConfigForm({
  descriptor,
  nodeId,
  workspaceId,
  config,
  problems,
  readOnly,
  canReadSecrets,
  onChange,
}: {
  descriptor: NodeDescriptor;
  nodeId: string;
  workspaceId: string;
  config: Config;
  problems: readonly GraphProblem[];
  readOnly: boolean;
  canReadSecrets: boolean;
  onChange: (config: Config, field: string) => void;
}) {
  const schema = useMemo(
    () => z.toJSONSchema(descriptor.configSchema, { io: "input", unrepresentable: "any" }) as FieldSchema,
    [descriptor],
  );
  const byField = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const p of problems) if (p.field !== undefined) map.set(p.field, [...(map.get(p.field) ?? []), p.message]);
    return map;
  }, [problems]);
  const [showAdvanced, setShowAdvanced] = useState(false);

  const ctx: FormContext = {
    nodeId,
    workspaceId,
    readOnly,
    canReadSecrets,
    problems: byField,
    set: (path, value) => onChange((setIn(config, path, value) ?? {}) as Config, path.join(".")),
  };
  const entries = Object.entries(schema.properties ?? {}).filter(([, s]) => visible(s, config));
  const basic = entries.filter(([, s]) => !s.advanced);
  const advanced = entries.filter(([, s]) => s.advanced);
  const rootProblems = byField.get("") ?? [];

  return (
    <div className="space-y-4">
      {rootProblems.map((m) => (
        <p key={m} className="field-error">
          {m}
        </p>
      ))}
      {basic.map(([key, s]) => (
        <Field
          key={key}
          ctx={ctx}
          schema={s}
          path={[key]}
          value={config[key]}
          required={schema.required?.includes(key) ?? false}
        />
      ))}
      {advanced.length > 0 && (
        <div className="border-t border-slate-200 pt-3 dark:border-slate-800">
          <button
            type="button"
            className="btn-ghost -ml-2 text-xs"
            aria-expanded={showAdvanced}
            onClick={() => setShowAdvanced((v) => !v)}
          >
            {showAdvanced ? "▾" : "▸"} Advanced ({advanced.length})
          </button>
          {showAdvanced && (
            <div className="mt-3 space-y-4">
              {advanced.map(([key, s]) => (
                <Field
                  key={key}
                  ctx={ctx}
                  schema={s}
                  path={[key]}
                  value={config[key]}
                  required={schema.required?.includes(key) ?? false}
                />
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function visible(schema: FieldSchema, config: Config): boolean {
  if (!schema.visibleWhen) return true;
  const current = config[schema.visibleWhen.field];
  return schema.visibleWhen.oneOf.includes(current as string);
}

function Field({
  ctx,
  schema,
  path,
  value,
  required,
  compact,
}: {
  ctx: FormContext;
  schema: FieldSchema;
  path: Path;
  value: JsonValue | undefined;
  required: boolean;
  compact?: boolean;
}) {
  const key = path.join(".");
  const id = fieldDomId(ctx.nodeId, key);
  const errors = ctx.problems.get(key) ?? [];
  const title = schema.title ?? String(path.at(-1));
  const descriptionId = schema.description ? `${id}-desc` : undefined;
  const defaultText =
    schema.default !== undefined && typeof schema.default !== "object" ? String(schema.default) : undefined;
  return (
    <div data-field={key}>
      <label
        htmlFor={id}
        className={compact ? "mb-0.5 block text-xs font-medium text-slate-600 dark:text-slate-400" : "label"}
      >
        {title}
        {required && !compact && (
          <span className="ml-0.5 text-red-500" aria-hidden="true">
            *
          </span>
        )}
        {schema.unit && <span className="ml-1 font-normal text-slate-400">({schema.unit})</span>}
      </label>
      <Control
        ctx={ctx}
        schema={schema}
        path={path}
        id={id}
        value={value}
        describedBy={descriptionId}
        defaultText={defaultText}
      />
      {schema.description && !compact && (
        <p id={descriptionId} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          {schema.description}
        </p>
      )}
      {errors.map((m) => (
        <p key={m} className="field-error" data-testid="field-error">
          {problemText(m)}
        </p>
      ))}
    </div>
  );
}

function Control({
  ctx,
  schema,
  path,
  id,
  value,
  describedBy,
  defaultText,
}: {
  ctx: FormContext;
  schema: FieldSchema;
  path: Path;
  id: string;
  value: JsonValue | undefined;
  describedBy?: string;
  defaultText?: string;
}) {
  const type = typeOf(schema);
  const options = enumOf(schema);
  const widget =
    schema.widget ??
    (options
      ? "select"
      : type === "boolean"
        ? "toggle"
        : type === "number" || type === "integer"
          ? "number"
          : type === "array"
            ? schema.items && typeOf(schema.items) === "object"
              ? "fields-list"
              : "list"
            : type === "object"
              ? "json"
              : "text");
  const common = { id, disabled: ctx.readOnly, "aria-describedby": describedBy };
  const placeholder = schema.placeholder ?? (defaultText !== undefined ? `Default: ${defaultText}` : undefined);
  const stringValue = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);

  switch (widget) {
    case "expression":
      return (
        <ExpressionField
          id={id}
          value={stringValue}
          kind={schema.expressionKind ?? "value"}
          placeholder={schema.placeholder}
          disabled={ctx.readOnly}
          describedBy={describedBy}
          onChange={(v) => ctx.set(path, v)}
        />
      );
    case "number":
      return (
        <input
          {...common}
          className="input"
          type="number"
          min={schema.minimum}
          max={schema.maximum}
          step={type === "integer" ? 1 : "any"}
          placeholder={placeholder}
          value={typeof value === "number" ? value : ""}
          onChange={(e) => ctx.set(path, e.target.value === "" ? undefined : Number(e.target.value))}
        />
      );
    case "toggle":
      return (
        <input
          {...common}
          type="checkbox"
          className="h-4 w-4 rounded border-slate-300 text-brand-600"
          checked={typeof value === "boolean" ? value : schema.default === true}
          onChange={(e) => ctx.set(path, e.target.checked)}
        />
      );
    case "select":
      return (
        <select
          {...common}
          className="input"
          value={stringValue}
          onChange={(e) => ctx.set(path, e.target.value === "" ? undefined : e.target.value)}
        >
          <option value="">{defaultText !== undefined ? `Default (${defaultText})` : "Choose…"}</option>
          {(options ?? []).map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
    case "textarea":
      return (
        <textarea
          {...common}
          className="input min-h-20"
          placeholder={placeholder}
          value={stringValue}
          onChange={(e) => ctx.set(path, e.target.value || undefined)}
        />
      );
    case "secret":
      return (
        <SecretControl
          ctx={ctx}
          path={path}
          id={id}
          value={stringValue}
          secretKind={schema.secretKind}
          describedBy={describedBy}
        />
      );
    case "kafka-connection":
      return <KafkaConnectionControl ctx={ctx} path={path} id={id} value={stringValue} describedBy={describedBy} />;
    case "schema-registry":
      return <SchemaRegistryControl ctx={ctx} path={path} id={id} value={stringValue} describedBy={describedBy} />;
    case "api-key":
      return <ApiKeyControl ctx={ctx} path={path} id={id} value={stringValue} describedBy={describedBy} />;
    case "json-schema":
    case "json":
      return <JsonControl ctx={ctx} path={path} id={id} value={value} describedBy={describedBy} />;
    case "list":
      return (
        <ListControl
          ctx={ctx}
          path={path}
          id={id}
          value={value}
          fallback={schema.default}
          itemSchema={schema.items ?? {}}
        />
      );
    case "key-value-list":
    case "fields-list":
      return (
        <ObjectListControl
          ctx={ctx}
          path={path}
          id={id}
          value={value}
          fallback={schema.default}
          itemSchema={schema.items ?? {}}
          inline={widget === "key-value-list"}
        />
      );
    default:
      return (
        <input
          {...common}
          className={`input ${widget === "field-path" || widget === "duration" ? "font-mono" : ""}`}
          type={widget === "url" ? "url" : "text"}
          placeholder={placeholder}
          value={stringValue}
          onChange={(e) => ctx.set(path, e.target.value === "" ? undefined : e.target.value)}
        />
      );
  }
}

/** Empty means this workspace's namespace on Sluice's cluster; every member may list connections. */
function KafkaConnectionControl({
  ctx,
  path,
  id,
  value,
  describedBy,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: string;
  describedBy?: string;
}) {
  const trpc = useTRPC();
  const connections = useQuery(trpc.kafkaConnection.list.queryOptions({ workspaceId: ctx.workspaceId }));
  const list = connections.data ?? [];
  return (
    <select
      id={id}
      className="input"
      disabled={ctx.readOnly}
      aria-describedby={describedBy}
      value={value}
      onChange={(e) => ctx.set(path, e.target.value || undefined)}
    >
      <option value="">This workspace on Sluice&apos;s cluster</option>
      {value && connections.data && !list.some((c) => c.id === value) && (
        <option value={value}>{value} (not found)</option>
      )}
      {list.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name} ({c.config.bootstrapServers[0]})
        </option>
      ))}
    </select>
  );
}

/** A schema registry of the workspace; every member may list them. */
function SchemaRegistryControl({
  ctx,
  path,
  id,
  value,
  describedBy,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: string;
  describedBy?: string;
}) {
  const trpc = useTRPC();
  const registries = useQuery(trpc.schemaRegistry.list.queryOptions({ workspaceId: ctx.workspaceId }));
  const list = registries.data ?? [];
  return (
    <>
      <select
        id={id}
        className="input"
        disabled={ctx.readOnly}
        aria-describedby={describedBy}
        value={value}
        onChange={(e) => ctx.set(path, e.target.value || undefined)}
      >
        <option value="">Choose a schema registry…</option>
        {value && registries.data && !list.some((r) => r.id === value) && (
          <option value={value}>{value} (not found)</option>
        )}
        {list.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
      {registries.data && list.length === 0 && (
        <p className="mt-1 text-xs text-slate-500">
          No schema registries yet: an admin adds one under Settings → Schema registries.
        </p>
      )}
    </>
  );
}

function SecretControl({
  ctx,
  path,
  id,
  value,
  secretKind,
  describedBy,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: string;
  secretKind?: string;
  describedBy?: string;
}) {
  const trpc = useTRPC();
  const secrets = useQuery({
    ...trpc.secret.list.queryOptions({ workspaceId: ctx.workspaceId }),
    enabled: ctx.canReadSecrets,
  });
  if (ctx.canReadSecrets && secrets.data) {
    return (
      <>
        <select
          id={id}
          className="input"
          disabled={ctx.readOnly}
          aria-describedby={describedBy}
          value={value}
          onChange={(e) => ctx.set(path, e.target.value || undefined)}
        >
          <option value="">Choose a {secretKind ?? ""} secret…</option>
          {value && !secrets.data.some((s) => s.id === value) && <option value={value}>{value} (not found)</option>}
          {secrets.data.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.hint})
            </option>
          ))}
        </select>
        {secrets.data.length === 0 && (
          <p className="mt-1 text-xs text-slate-500">No secrets yet: add one under Settings → Secrets.</p>
        )}
      </>
    );
  }
  return (
    <>
      <input
        id={id}
        className="input font-mono"
        disabled={ctx.readOnly}
        placeholder="sec_…"
        value={value}
        onChange={(e) => ctx.set(path, e.target.value || undefined)}
      />
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
        Type the secret id; an admin can look it up under Settings → Secrets.
      </p>
    </>
  );
}

/** Picks an unrevoked ingest API key (the roles that may read secrets may read keys too); others type the id. */
function ApiKeyControl({
  ctx,
  path,
  id,
  value,
  describedBy,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: string;
  describedBy?: string;
}) {
  const trpc = useTRPC();
  const keys = useQuery({
    ...trpc.apiKey.list.queryOptions({ workspaceId: ctx.workspaceId }),
    enabled: ctx.canReadSecrets,
  });
  if (!ctx.canReadSecrets || !keys.data) {
    return (
      <input
        id={id}
        className="input font-mono"
        disabled={ctx.readOnly}
        aria-describedby={describedBy}
        value={value}
        onChange={(e) => ctx.set(path, e.target.value || undefined)}
      />
    );
  }
  // An http-ingest node accepts ingest keys only; read keys serve views.
  const active = keys.data.filter((k) => !k.revokedAt && k.scope === "ingest");
  return (
    <>
      <select
        id={id}
        className="input"
        disabled={ctx.readOnly}
        aria-describedby={describedBy}
        value={value}
        onChange={(e) => ctx.set(path, e.target.value || undefined)}
      >
        <option value="">Choose an API key…</option>
        {value && !active.some((k) => k.id === value) && <option value={value}>{value} (not found)</option>}
        {active.map((k) => (
          <option key={k.id} value={k.id}>
            {k.name} ({k.prefix}…)
          </option>
        ))}
      </select>
      {active.length === 0 && (
        <p className="mt-1 text-xs text-slate-500">No API keys yet: create one under Settings → API keys.</p>
      )}
    </>
  );
}

function JsonControl({
  ctx,
  path,
  id,
  value,
  describedBy,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: JsonValue | undefined;
  describedBy?: string;
}) {
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [error, setError] = useState<string | null>(null);
  // Follow external changes (undo, another node selected) without clobbering a half-typed document.
  useEffect(() => {
    setText((current) => {
      try {
        if (JSON.stringify(JSON.parse(current)) === JSON.stringify(value)) return current;
      } catch {
        /* the user is mid-edit; replace only on a real external change below */
      }
      return value === undefined ? "" : JSON.stringify(value, null, 2);
    });
  }, [value]);
  return (
    <>
      <textarea
        id={id}
        className="input min-h-40 font-mono text-xs"
        spellCheck={false}
        disabled={ctx.readOnly}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === "") {
            setError(null);
            ctx.set(path, undefined);
            return;
          }
          try {
            ctx.set(path, JSON.parse(e.target.value) as JsonValue);
            setError(null);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      />
      {error && <p className="field-error">Invalid JSON: {error}</p>}
    </>
  );
}

function ListControl({
  ctx,
  path,
  id,
  value,
  fallback,
  itemSchema,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: JsonValue | undefined;
  fallback: unknown;
  itemSchema: FieldSchema;
}) {
  const items = (Array.isArray(value) ? value : Array.isArray(fallback) ? (fallback as JsonValue[]) : []).map((v) =>
    v === null ? "" : String(v),
  );
  const numeric = typeOf(itemSchema) === "number" || typeOf(itemSchema) === "integer";
  const write = (next: string[]) =>
    ctx.set(
      path,
      next.map((v) => (numeric ? Number(v) : v)),
    );
  return (
    <div className="space-y-1.5" id={id} tabIndex={-1}>
      {items.map((item, i) => (
        <div key={i} className="flex gap-1.5">
          <input
            className="input font-mono"
            aria-label={`Item ${i + 1}`}
            disabled={ctx.readOnly}
            value={item}
            onChange={(e) => write(items.map((v, j) => (j === i ? e.target.value : v)))}
          />
          {!ctx.readOnly && (
            <button
              type="button"
              className="btn-ghost px-2"
              aria-label={`Remove item ${i + 1}`}
              onClick={() => write(items.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          )}
        </div>
      ))}
      {!ctx.readOnly && (
        <button type="button" className="btn-secondary text-xs" onClick={() => write([...items, ""])}>
          + Add
        </button>
      )}
    </div>
  );
}

function ObjectListControl({
  ctx,
  path,
  id,
  value,
  fallback,
  itemSchema,
  inline,
}: {
  ctx: FormContext;
  path: Path;
  id: string;
  value: JsonValue | undefined;
  fallback: unknown;
  itemSchema: FieldSchema;
  inline: boolean;
}) {
  const items = Array.isArray(value) ? value : Array.isArray(fallback) ? (fallback as JsonValue[]) : [];
  const properties = Object.entries(itemSchema.properties ?? {});
  // Editing a defaulted list materialises the defaults first, so the edit lands on the right row.
  const base = (): JsonValue[] => (Array.isArray(value) ? value : structuredClone(items));
  const setItem = (i: number, key: string, v: JsonValue | undefined) => ctx.set(path, setIn(base(), [i, key], v) ?? []);
  const itemCtx = (i: number): FormContext => ({
    ...ctx,
    set: (sub, v) => ctx.set(path, setIn(base(), [i, ...sub.slice(path.length + 1)], v) ?? []),
  });
  return (
    <div className="space-y-2" id={id} tabIndex={-1}>
      {items.map((item, i) => {
        const record = item && typeof item === "object" && !Array.isArray(item) ? item : {};
        return inline ? (
          <div key={i} className="flex items-end gap-1.5">
            {properties.map(([key, s]) => (
              <div key={key} className="min-w-0 flex-1">
                <label className="sr-only" htmlFor={fieldDomId(ctx.nodeId, [...path, i, key].join("."))}>
                  {s.title ?? key} {i + 1}
                </label>
                <input
                  id={fieldDomId(ctx.nodeId, [...path, i, key].join("."))}
                  className="input"
                  placeholder={s.title ?? key}
                  disabled={ctx.readOnly}
                  type={typeOf(s) === "number" || typeOf(s) === "integer" ? "number" : "text"}
                  value={record[key] === undefined || record[key] === null ? "" : String(record[key])}
                  onChange={(e) =>
                    setItem(
                      i,
                      key,
                      typeOf(s) === "number" || typeOf(s) === "integer"
                        ? e.target.value === ""
                          ? undefined
                          : Number(e.target.value)
                        : e.target.value,
                    )
                  }
                />
              </div>
            ))}
            {!ctx.readOnly && (
              <button
                type="button"
                className="btn-ghost px-2"
                aria-label={`Remove row ${i + 1}`}
                onClick={() =>
                  ctx.set(
                    path,
                    base().filter((_, j) => j !== i),
                  )
                }
              >
                ✕
              </button>
            )}
          </div>
        ) : (
          <fieldset key={i} className="relative space-y-2 rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <legend className="px-1 text-xs font-medium text-slate-500">#{i + 1}</legend>
            {!ctx.readOnly && (
              <button
                type="button"
                className="btn-ghost absolute top-1 right-1 px-2 py-0.5 text-xs"
                aria-label={`Remove item ${i + 1}`}
                onClick={() =>
                  ctx.set(
                    path,
                    base().filter((_, j) => j !== i),
                  )
                }
              >
                ✕
              </button>
            )}
            {properties.map(([key, s]) => (
              <Field
                key={key}
                ctx={itemCtx(i)}
                schema={s}
                path={[...path, i, key]}
                value={record[key]}
                required={itemSchema.required?.includes(key) ?? false}
                compact
              />
            ))}
          </fieldset>
        );
      })}
      {!ctx.readOnly && (
        <button type="button" className="btn-secondary text-xs" onClick={() => ctx.set(path, [...base(), {}])}>
          + Add {inline ? "row" : "item"}
        </button>
      )}
    </div>
  );
}
