"use client";

/**
 * A refusal shown inside the dialog that caused it (not in a toast behind the modal), with a button
 * per node concerned that closes the dialog and selects the node.
 */
export function DialogError({
  message,
  nodes = [],
  onShowNode,
}: {
  message: string | null | undefined;
  nodes?: readonly { id: string; label: string }[];
  onShowNode?: (nodeId: string) => void;
}) {
  if (!message) return null;
  return (
    <div
      role="alert"
      data-testid="dialog-error"
      className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <p className="break-words whitespace-pre-wrap">{message}</p>
      {onShowNode && nodes.length > 0 && (
        <div className="mt-2 flex flex-wrap gap-1">
          {nodes.map((n) => (
            <button
              key={n.id}
              type="button"
              className="btn-secondary px-2 py-0.5 text-xs"
              onClick={() => onShowNode(n.id)}
            >
              Show {n.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The node ids a publish/deploy refusal names (the server's error formatter adds them). */
export function refusedNodeIds(error: { data?: unknown } | null | undefined): string[] {
  const ids = (error?.data as { nodeIds?: unknown } | undefined)?.nodeIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}
