"use client";
import { useState } from "react";
import { Dialog } from "@/components/forms/Dialog";
import { DialogError } from "@/components/forms/DialogError";

// The editor's dialogs: rename, publish, deploy (both showing refusals with buttons to the nodes
// concerned) and import.

export function RenameDialog({
  name,
  description,
  pending,
  onClose,
  onRename,
}: {
  name: string;
  description: string;
  pending: boolean;
  onClose: () => void;
  onRename: (name: string, description: string) => void;
}) {
  const [nextName, setNextName] = useState(name);
  const [nextDescription, setNextDescription] = useState(description);
  return (
    <Dialog title="Rename pipeline" onClose={onClose}>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          onRename(nextName.trim(), nextDescription);
        }}
      >
        <div>
          <label htmlFor="rename-name" className="label">
            Name
          </label>
          <input
            id="rename-name"
            className="input"
            required
            maxLength={120}
            value={nextName}
            onChange={(e) => setNextName(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor="rename-description" className="label">
            Description
          </label>
          <textarea
            id="rename-description"
            className="input min-h-16"
            maxLength={2000}
            value={nextDescription}
            onChange={(e) => setNextDescription(e.target.value)}
          />
        </div>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending || !nextName.trim()}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type RefusalProps = {
  error: string | null | undefined;
  errorNodes: { id: string; label: string }[];
  onShowNode: (nodeId: string) => void;
};

export function PublishDialog({
  pending,
  nextNumber,
  error,
  errorNodes,
  onShowNode,
  onClose,
  onPublish,
}: { pending: boolean; nextNumber: number; onClose: () => void; onPublish: (message: string) => void } & RefusalProps) {
  const [message, setMessage] = useState("");
  return (
    <Dialog title={`Publish version ${nextNumber}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onPublish(message);
        }}
        className="space-y-4"
      >
        <p className="text-sm text-slate-600 dark:text-slate-400">
          A version is an immutable snapshot of the draft. Deploys always run a version, and you can roll back to any of
          them.
        </p>
        <div>
          <label htmlFor="publish-message" className="label">
            What changed?
          </label>
          <textarea
            id="publish-message"
            className="input min-h-20"
            maxLength={500}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            placeholder="Filter out bot traffic before sessionizing"
          />
        </div>
        <DialogError message={error} nodes={errorNodes} onShowNode={onShowNode} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending}>
            {pending ? "Publishing…" : "Publish"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeployDialog({
  versionNumber,
  pending,
  error,
  errorNodes,
  onShowNode,
  onClose,
  onDeploy,
}: {
  versionNumber: number;
  pending: boolean;
  onClose: () => void;
  onDeploy: (start: "resume" | "earliest" | "latest") => void;
} & RefusalProps) {
  const [start, setStart] = useState<"resume" | "earliest" | "latest">("resume");
  const options = {
    resume: "Resume where the previous deployment stopped (default)",
    earliest: "Reprocess everything still retained in the source topics (window and dedup state start over)",
    latest: "Skip what is waiting; only new events from now on",
  } as const;
  return (
    <Dialog title={`Deploy version ${versionNumber}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onDeploy(start);
        }}
        className="space-y-4"
      >
        <fieldset className="space-y-2">
          <legend className="label">Start from</legend>
          {(Object.keys(options) as (keyof typeof options)[]).map((key) => (
            <label key={key} className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name="start"
                className="mt-1"
                checked={start === key}
                onChange={() => setStart(key)}
              />
              <span>
                <span className="font-medium">{key}</span> <span className="text-slate-500">{options[key]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <DialogError message={error} nodes={errorNodes} onShowNode={onShowNode} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={pending}>
            {pending ? "Deploying…" : "Deploy"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ImportDialog({
  onImport,
  onClose,
}: {
  onImport: (text: string) => string | null;
  onClose: () => void;
}) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Import into this pipeline" onClose={onClose} wide>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const problem = onImport(text);
          if (problem) setError(problem);
          else onClose();
        }}
      >
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Replaces the draft&apos;s graph with the one in a Sluice export. You can undo it.
        </p>
        <div>
          <label htmlFor="import-file" className="label">
            File
          </label>
          <input
            id="import-file"
            type="file"
            accept="application/json,.json"
            className="text-sm"
            onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? "")}
          />
        </div>
        <div>
          <label htmlFor="import-text" className="label">
            Or paste JSON
          </label>
          <textarea
            id="import-text"
            className="input h-40 font-mono text-xs"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        {error && (
          <pre
            role="alert"
            className="max-h-40 overflow-auto rounded-md bg-red-50 p-2 text-xs whitespace-pre-wrap text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {error}
          </pre>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={!text.trim()}>
            Import
          </button>
        </div>
      </form>
    </Dialog>
  );
}
