"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { PipelineGraph } from "@sluice/shared";
import { useTRPC } from "@/lib/trpc";
import { useToast } from "@/components/Toaster";
import { Dialog } from "@/components/forms/Dialog";
import { useIngestUrl } from "./ingest-url";

const SAMPLE = [{ type: "page_view", userId: "user-1", props: { path: "/pricing" } }];

/** How to send events to a deployed pipeline's HTTP ingest nodes: URL, which key, copyable snippets. */
export function SendEventsDialog({
  workspaceId,
  graph,
  canReadKeys,
  onClose,
}: {
  workspaceId: string;
  graph: PipelineGraph;
  canReadKeys: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const base = useIngestUrl();
  const keys = useQuery({ ...trpc.apiKey.list.queryOptions({ workspaceId }), enabled: canReadKeys });
  const ingests = graph.nodes.filter((n) => n.type === "http-ingest");
  return (
    <Dialog title="Send events" onClose={onClose} wide>
      <div className="space-y-5 text-sm" data-testid="send-events">
        <p className="text-slate-600 dark:text-slate-400">
          POST a JSON array (or NDJSON) of events with the node&apos;s API key in the <code>x-api-key</code> header.
          Sluice fills in a missing <code>id</code> and <code>timestamp</code>; each event needs a <code>userId</code>{" "}
          or <code>anonymousId</code>.
        </p>
        {ingests.map((n) => {
          const url = `${base}/v1/ingest/${String(n.config.pathKey ?? "")}`;
          const key = keys.data?.find((k) => k.id === n.config.apiKeyId);
          const body = JSON.stringify(SAMPLE);
          const curl = `curl -X POST ${url} \\\n  -H 'content-type: application/json' \\\n  -H "x-api-key: $SLUICE_API_KEY" \\\n  -d '${body}'`;
          const js = `await fetch("${url}", {\n  method: "POST",\n  headers: { "content-type": "application/json", "x-api-key": SLUICE_API_KEY },\n  body: JSON.stringify(${body}),\n});`;
          return (
            <section key={n.id} className="space-y-3" aria-label={`Send events to ${n.label ?? n.id}`}>
              <h3 className="font-semibold">{n.label ?? n.id}</h3>
              <div>
                <span className="label">Ingest URL</span>
                <code
                  className="block rounded bg-slate-100 px-2 py-1 font-mono text-xs break-all dark:bg-slate-800"
                  data-testid="ingest-url"
                >
                  {url}
                </code>
              </div>
              <p className="text-slate-600 dark:text-slate-400">
                API key:{" "}
                {key ? (
                  <strong>
                    {key.name} ({key.prefix}…)
                  </strong>
                ) : (
                  "the key picked on this node"
                )}
                . Its value was shown once, when it was created. Lost it? Create a new one under{" "}
                <Link
                  className="text-brand-700 underline dark:text-brand-300"
                  href={`/w/${workspaceId}/settings/api-keys`}
                >
                  Settings → API keys
                </Link>{" "}
                and pick it on this node.
              </p>
              <Snippet label="curl" text={curl} />
              <Snippet label="JavaScript (fetch)" text={js} />
            </section>
          );
        })}
      </div>
    </Dialog>
  );
}

function Snippet({ label, text }: { label: string; text: string }) {
  const { toast } = useToast();
  return (
    <div>
      <div className="mb-1 flex items-center justify-between">
        <span className="label mb-0">{label}</span>
        <button
          type="button"
          className="btn-ghost px-2 py-0.5 text-xs"
          aria-label={`Copy ${label} snippet`}
          onClick={() =>
            navigator.clipboard.writeText(text).then(
              () => toast("Copied to the clipboard.", "success"),
              () => toast("Could not reach the clipboard: select the text and copy it with your keyboard.", "error"),
            )
          }
        >
          Copy
        </button>
      </div>
      <pre className="overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">{text}</pre>
    </div>
  );
}
