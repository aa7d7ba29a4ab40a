"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Logo } from "@/components/Logo";
import { useTRPC } from "@/lib/trpc";

export function CreateWorkspace({ userName }: { userName: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const qc = useQueryClient();
  const [name, setName] = useState(userName ? `${userName}'s team` : "");
  const create = useMutation(
    trpc.workspace.create.mutationOptions({
      onSuccess: async (ws) => {
        await qc.invalidateQueries({ queryKey: trpc.workspace.list.queryKey() });
        router.push(`/w/${ws.id}`);
      },
    }),
  );
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ name });
  }
  const fieldError = create.error?.data?.zodError?.fieldErrors?.name?.[0];
  return (
    <div className="flex min-h-screen items-center justify-center p-4">
      <form onSubmit={onSubmit} className="card w-full max-w-md space-y-4 p-8">
        <Logo className="text-xl" />
        <h1 className="text-lg font-semibold">Create a workspace</h1>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          A workspace holds your team&apos;s pipelines, keys and alerts. You can invite people next.
        </p>
        <div>
          <label className="label" htmlFor="ws-name">
            Workspace name
          </label>
          <input id="ws-name" className="input" value={name} onChange={(e) => setName(e.target.value)} required />
          {fieldError && <p className="field-error">{fieldError}</p>}
        </div>
        <button className="btn-primary w-full" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create workspace"}
        </button>
      </form>
    </div>
  );
}
