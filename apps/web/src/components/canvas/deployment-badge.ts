type Deployment = { status: string } | null | undefined;

/** One badge per pipeline: draft (never deployed), running, failing, stopped, or a transition (pending, starting, stopping). */
export function deploymentBadge(deployment: Deployment): { label: string; className: string } {
  if (!deployment)
    return { label: "draft", className: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300" };
  const s = deployment.status;
  if (s === "failing")
    return { label: "failing", className: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300" };
  if (s === "running")
    return { label: "running", className: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300" };
  if (s === "stopped")
    return { label: "stopped", className: "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300" };
  return { label: s, className: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300" };
}
