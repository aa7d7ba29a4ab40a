"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PipelineSettings } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { Dialog } from "@/components/forms/Dialog";
import { Field } from "@/components/forms/Field";

type FieldKey = "partitions" | "replicationFactor" | "retentionHours" | "maxRecords" | "maxBytes" | "lingerMs";

const FIELDS: { key: FieldKey; group: "topics" | "batch"; label: string; help: string; step?: string }[] = [
  {
    key: "partitions",
    group: "topics",
    label: "Partitions",
    help: "Per topic. Parallelism across runners; can grow later only for pipelines without window, sessionize or dedup.",
  },
  {
    key: "retentionHours",
    group: "topics",
    label: "Retention (hours)",
    help: "How long topics keep events (what an earliest deploy can reprocess).",
    step: "any",
  },
  {
    key: "replicationFactor",
    group: "topics",
    label: "Replication factor",
    help: "Copies of each partition: 1 on one broker, 3 in production.",
  },
  { key: "maxRecords", group: "batch", label: "Batch size (records)", help: "Most events per micro-batch." },
  { key: "maxBytes", group: "batch", label: "Batch size (bytes)", help: "Most event bytes per micro-batch." },
  { key: "lingerMs", group: "batch", label: "Linger (ms)", help: "How long a partial batch waits for more events." },
];

/**
 * Topic and batch settings of a pipeline. Empty fields use the runner's defaults (6 partitions, 7 days,
 * replication 1 locally / 3 in production, 500 records, 1 MiB, 20 ms). Settings apply on the next deploy;
 * replication only to topics created from then on.
 */
export function PipelineSettingsDialog({
  workspaceId,
  pipelineId,
  canEdit,
  onClose,
}: {
  workspaceId: string;
  pipelineId: string;
  canEdit: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { toast } = useToast();
  const pipeline = useQuery({
    ...trpc.pipeline.get.queryOptions({ workspaceId, pipelineId }),
    refetchOnWindowFocus: false,
  });
  const saved = pipeline.data?.settings;
  const [values, setValues] = useState<Partial<Record<FieldKey, string>> | null>(null);
  const [errors, setErrors] = useState<Partial<Record<FieldKey, string>>>({});
  const [refused, setRefused] = useState<string | null>(null);
  const update = useMutation(
    trpc.pipeline.updateSettings.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.pipeline.get.queryKey({ workspaceId, pipelineId }) });
        toast("Settings saved; they apply on the next deploy", "success");
        onClose();
      },
      onError: (e) => setRefused(e.message),
    }),
  );

  const current = (key: FieldKey, group: "topics" | "batch") =>
    values?.[key] ?? String((saved?.[group] as Record<string, number | undefined> | undefined)?.[key] ?? "");

  function submit() {
    const draft: { topics: Record<string, number>; batch: Record<string, number> } = { topics: {}, batch: {} };
    const local: Partial<Record<FieldKey, string>> = {};
    for (const f of FIELDS) {
      const text = current(f.key, f.group).trim();
      if (text === "") continue;
      const n = Number(text);
      if (!Number.isFinite(n)) local[f.key] = "Enter a number, or leave empty for the default";
      else draft[f.group][f.key] = n;
    }
    const parsed = PipelineSettings.safeParse(draft);
    if (!parsed.success) for (const issue of parsed.error.issues) local[issue.path[1] as FieldKey] ??= issue.message;
    setErrors(local);
    setRefused(null);
    if (Object.keys(local).length > 0 || !parsed.success) return;
    update.mutate({ workspaceId, pipelineId, settings: parsed.data });
  }

  return (
    <Dialog title="Pipeline settings" onClose={onClose} wide>
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Empty fields use the runner&apos;s defaults. Changes apply on the next deploy, retention to existing topics
          too; replication only to new topics.
        </p>
        {(["topics", "batch"] as const).map((group) => (
          <fieldset key={group} className="grid grid-cols-1 gap-3 sm:grid-cols-3" disabled={!canEdit || !pipeline.data}>
            <legend className="label mb-1">{group === "topics" ? "Topics" : "Micro-batches"}</legend>
            {FIELDS.filter((f) => f.group === group).map((f) => (
              <Field key={f.key} label={f.label} error={errors[f.key]} help={f.help}>
                {(control) => (
                  <input
                    {...control}
                    className="input"
                    type="number"
                    inputMode="numeric"
                    step={f.step ?? "1"}
                    placeholder="default"
                    value={current(f.key, f.group)}
                    onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                  />
                )}
              </Field>
            ))}
          </fieldset>
        ))}
        {refused && (
          <p role="alert" className="field-error">
            {refused}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            {canEdit ? "Cancel" : "Close"}
          </button>
          {canEdit && (
            <button type="submit" className="btn-primary" disabled={update.isPending || !pipeline.data}>
              {update.isPending ? "Saving…" : "Save"}
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
