"use client";
import { useMemo, useState } from "react";
import { exportRedpandaConnect, type PipelineGraph } from "@sluice/shared";
import { Dialog } from "@/components/forms/Dialog";
import { downloadFile } from "@/lib/download-file";

function fileName(name: string) {
  return `${
    name
      .replace(/[^A-Za-z0-9_-]+/g, "-")
      .replace(/^-|-$/g, "")
      .toLowerCase() || "pipeline"
  }.connect.yaml`;
}

/**
 * "Export as Redpanda Connect config": the stateless part of the graph the canvas shows, as a
 * ready-to-run Redpanda Connect YAML, with the environment variables to fill in and what did not
 * translate listed before the download (generated in the browser; nothing is sent to the server).
 */
export function RedpandaConnectExport({ graph, name }: { graph: PipelineGraph; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn-ghost"
        title="Export as Redpanda Connect config"
        onClick={() => setOpen(true)}
      >
        Connect YAML
      </button>
      {open && <ExportDialog graph={graph} name={name} onClose={() => setOpen(false)} />}
    </>
  );
}

function ExportDialog({ graph, name, onClose }: { graph: PipelineGraph; name: string; onClose: () => void }) {
  const result = useMemo(() => exportRedpandaConnect(graph, name), [graph, name]);
  return (
    <Dialog title="Export as Redpanda Connect config" onClose={onClose} wide>
      <div className="space-y-4 text-sm">
        <p className="text-slate-600 dark:text-slate-400">
          Sources, filters, maps, routes and sinks become one Redpanda Connect config, with CEL expressions rewritten in
          Bloblang. Secrets are not included: set the environment variables below before running it.
        </p>
        {result.envVars.length > 0 && (
          <section>
            <h3 className="font-medium">Environment variables</h3>
            <ul className="mt-1 space-y-1" data-testid="connect-env-vars">
              {result.envVars.map((envVar) => (
                <li key={envVar.name}>
                  <code className="font-mono text-xs">{envVar.name}</code>{" "}
                  <span className="text-slate-500">{envVar.description}</span>
                </li>
              ))}
            </ul>
          </section>
        )}
        <section>
          <h3 className="font-medium">Not translated</h3>
          {result.untranslated.length === 0 ? (
            <p className="text-slate-500" data-testid="connect-untranslated-none">
              Everything translated.
            </p>
          ) : (
            <ul className="mt-1 max-h-64 space-y-1 overflow-y-auto" data-testid="connect-untranslated">
              {result.untranslated.map((item, i) => (
                <li key={i}>
                  <span className="font-medium">{item.nodeId}</span> · {item.what}:{" "}
                  <span className="text-slate-500">{item.reason}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <div className="flex justify-end gap-2 pt-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Close
          </button>
          <button
            type="button"
            className="btn-primary"
            onClick={() => downloadFile(fileName(name), result.yaml, "application/yaml")}
          >
            Download YAML
          </button>
        </div>
      </div>
    </Dialog>
  );
}
