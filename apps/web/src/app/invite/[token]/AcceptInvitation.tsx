"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { errorMessage } from "@/components/settings/errors";
import { useToast } from "@/components/Toaster";
import { authClient } from "@/lib/auth-client";
import { useTRPC } from "@/lib/trpc";

export function AcceptInvitation({ token, workspaceName }: { token: string; workspaceName: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const { toast } = useToast();
  const accept = useMutation(
    trpc.invitation.accept.mutationOptions({
      onSuccess: async ({ workspaceId }) => {
        toast(`Welcome to ${workspaceName}.`, "success");
        await qc.invalidateQueries(trpc.workspace.list.queryFilter());
        router.push(`/w/${workspaceId}`);
      },
    }),
  );
  return (
    <div>
      {accept.error && (
        <p
          role="alert"
          className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300"
        >
          {errorMessage(accept.error)}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className="btn-primary"
          onClick={() => accept.mutate({ token })}
          disabled={accept.isPending || accept.isSuccess}
        >
          {accept.isPending || accept.isSuccess ? "Joining…" : "Accept invitation"}
        </button>
        <Link href="/" className="btn-ghost">
          Not now
        </Link>
      </div>
    </div>
  );
}

/** Signs out and comes back to the invitation, so the right account can accept it. */
export function SignOutAndReturn({ returnTo }: { returnTo: string }) {
  const router = useRouter();
  const qc = useQueryClient();
  const { toast } = useToast();
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    const res = await authClient.signOut();
    if (res.error) {
      setPending(false);
      toast(res.error.message ?? "Could not sign out. Try again.", "error");
      return;
    }
    qc.clear();
    router.push(`/sign-in?next=${encodeURIComponent(returnTo)}`);
    router.refresh();
  }
  return (
    <button type="button" className="btn-primary" onClick={signOut} disabled={pending}>
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
