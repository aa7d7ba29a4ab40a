"use client";
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";

type Toast = { id: number; kind: "info" | "success" | "error"; message: string };
type ToastApi = { toast: (message: string, kind?: Toast["kind"]) => void };

const ToastContext = createContext<ToastApi>({ toast: () => {} });

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

let nextId = 1;

/**
 * The open modal <dialog> on top, if any. A modal lives in the browser's top layer (above every
 * z-index) and makes the rest of the page inert, so toasts are rendered inside it while it is open:
 * readable and clickable above its backdrop instead of blurred underneath.
 */
function useTopModal(): HTMLDialogElement | null {
  const [top, setTop] = useState<HTMLDialogElement | null>(null);
  useEffect(() => {
    const update = () =>
      setTop(
        [...document.querySelectorAll<HTMLDialogElement>("dialog[open]")].filter((d) => d.matches(":modal")).at(-1) ??
          null,
      );
    const observer = new MutationObserver(update);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["open"] });
    update();
    return () => observer.disconnect();
  }, []);
  return top;
}

export function Toaster({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const modal = useTopModal();
  const toast = useCallback((message: string, kind: Toast["kind"] = "info") => {
    const id = nextId++;
    setToasts((t) => [...t.slice(-4), { id, kind, message }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === "error" ? 8000 : 4000);
  }, []);
  const colors = {
    info: "border-slate-300 bg-white dark:border-slate-700 dark:bg-slate-900",
    success:
      "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
    error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
  };
  const stack = (
    <div
      aria-live="polite"
      data-testid="toasts"
      className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-80 flex-col gap-2 text-left"
    >
      {toasts.map((t) => (
        <div
          key={t.id}
          role={t.kind === "error" ? "alert" : "status"}
          className={`pointer-events-auto rounded-md border px-4 py-3 text-sm shadow-lg ${colors[t.kind]}`}
        >
          {t.message}
        </div>
      ))}
    </div>
  );
  return (
    <ToastContext.Provider value={{ toast }}>
      {children}
      {modal ? createPortal(stack, modal) : stack}
    </ToastContext.Provider>
  );
}
