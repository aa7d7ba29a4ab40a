"use client";
import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState, type ReactNode } from "react";

type Toast = { id: number; kind: "info" | "success" | "error"; message: string };
type ToastApi = { toast: (message: string, kind?: Toast["kind"]) => void };

const ToastContext = createContext<ToastApi>({ toast: () => {} });

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

let nextId = 1;

export function Toaster({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const layer = useRef<HTMLDivElement>(null);
  const toast = useCallback((message: string, kind: Toast["kind"] = "info") => {
    const id = nextId++;
    setToasts((t) => [...t.slice(-4), { id, kind, message }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === "error" ? 8000 : 4000);
  }, []);
  // Modals (<dialog>.showModal) live in the browser's top layer, above any z-index. The toast stack is a
  // manual popover, re-shown on every change so it is the newest top-layer entry: above an open modal
  // and its backdrop instead of blurred underneath.
  useLayoutEffect(() => {
    const el = layer.current;
    if (!el) return;
    if (el.matches(":popover-open")) el.hidePopover();
    if (toasts.length > 0) el.showPopover();
  }, [toasts]);
  const colors = {
    info: "border-slate-300 bg-white dark:border-slate-700 dark:bg-slate-900",
    success: "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
    error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
  };
  return (
    <ToastContext.Provider value={{ toast }}>
      {children}
      <div
        ref={layer}
        popover="manual"
        aria-live="polite"
        data-testid="toasts"
        style={{ inset: "auto 1rem 1rem auto" }}
        className="pointer-events-none m-0 flex w-80 flex-col gap-2 overflow-visible border-0 bg-transparent p-0"
      >
        {toasts.map((t) => (
          <div key={t.id} role={t.kind === "error" ? "alert" : "status"} className={`pointer-events-auto rounded-md border px-4 py-3 text-sm shadow-lg ${colors[t.kind]}`}>
            {t.message}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
