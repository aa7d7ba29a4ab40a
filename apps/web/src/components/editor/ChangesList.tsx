"use client";
import type { CanvasOverlay } from "@/components/canvas/VersionsDrawer";

/** What changed between the two versions of a diff overlay, beside the versions drawer. */
export function ChangesList({ changes }: { changes: NonNullable<CanvasOverlay["changes"]> }) {
  const count =
    changes.nodes.added.length +
    changes.nodes.removed.length +
    changes.nodes.changed.length +
    changes.edges.added.length +
    changes.edges.removed.length;
  return (
    <section
      aria-label="Changes"
      className="w-72 overflow-y-auto border-l border-slate-200 bg-slate-50 p-4 text-sm dark:border-slate-800 dark:bg-slate-950"
      data-testid="diff-changes"
    >
      <h3 className="mb-2 font-semibold">{count === 0 ? "No changes" : `${count} change${count === 1 ? "" : "s"}`}</h3>
      <ul className="space-y-2">
        {changes.nodes.added.map((n) => (
          <li key={`a-${n.id}`} className="text-emerald-700 dark:text-emerald-300">
            + node {n.label ?? n.id}
          </li>
        ))}
        {changes.nodes.removed.map((n) => (
          <li key={`r-${n.id}`} className="text-red-700 dark:text-red-300">
            − node {n.label ?? n.id}
          </li>
        ))}
        {changes.nodes.changed.map((c) => (
          <li key={`c-${c.nodeId}`}>
            <span className="text-amber-700 dark:text-amber-300">~ {c.label}</span>
            <ul className="mt-1 ml-3 space-y-1 font-mono text-[11px]">
              {c.changes.map((f) => (
                <li key={f.path}>
                  <span className="text-slate-500">{f.path}:</span>{" "}
                  <del className="text-red-600">{JSON.stringify(f.before) ?? "∅"}</del> →{" "}
                  <ins className="text-emerald-700 no-underline dark:text-emerald-400">
                    {JSON.stringify(f.after) ?? "∅"}
                  </ins>
                </li>
              ))}
            </ul>
          </li>
        ))}
        {changes.edges.added.map((e) => (
          <li key={`ea-${e.id}`} className="text-emerald-700 dark:text-emerald-300">
            + edge {e.source}.{e.sourcePort} → {e.target}
          </li>
        ))}
        {changes.edges.removed.map((e) => (
          <li key={`er-${e.id}`} className="text-red-700 dark:text-red-300">
            − edge {e.source}.{e.sourcePort} → {e.target}
          </li>
        ))}
      </ul>
    </section>
  );
}
