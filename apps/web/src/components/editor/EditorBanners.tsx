"use client";
import type { CanvasOverlay } from "@/components/canvas/VersionsDrawer";

/** Someone else saved the draft: autosave stopped; keep a copy or take theirs. */
export function ConflictBanner({
  conflict,
  onDownload,
  onReload,
}: {
  conflict: string;
  onDownload: () => void;
  onReload: () => void;
}) {
  return (
    <div
      role="alert"
      data-testid="conflict-banner"
      className="flex flex-wrap items-center gap-3 border-b border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
    >
      <strong>Someone else saved this pipeline.</strong>
      <span>{conflict} Your changes are not saved.</span>
      <span className="ml-auto flex gap-2">
        <button type="button" className="btn-secondary" onClick={onDownload}>
          Download my copy
        </button>
        <button type="button" className="btn-danger" onClick={onReload}>
          Reload their version
        </button>
      </span>
    </div>
  );
}

/** A version (or a diff) shown over the draft, read-only, with the way back. */
export function OverlayBanner({ overlay, onBack }: { overlay: CanvasOverlay; onBack: () => void }) {
  return (
    <div
      className="flex items-center gap-3 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
      data-testid="overlay-banner"
    >
      <strong>{overlay.title}</strong>
      {overlay.diff && (
        <span className="flex gap-3 text-xs">
          <span className="text-emerald-700 dark:text-emerald-300">■ added</span>
          <span className="text-red-700 dark:text-red-300">■ removed</span>
          <span className="text-amber-700 dark:text-amber-300">■ changed</span>
        </span>
      )}
      <button type="button" className="btn-secondary ml-auto" onClick={onBack}>
        Back to draft
      </button>
    </div>
  );
}
