"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ConfirmDialog } from "@/components/forms/Dialog";
import { SettingsCard } from "@/components/settings/SettingsCard";
import { useToast } from "@/components/Toaster";
import { authClient } from "@/lib/auth-client";
import { pendingSavesSettled } from "@/lib/pending-saves";

/** Ends every session of this user (this browser included); personal access tokens are not affected. */
export function SignOutEverywhere() {
  const router = useRouter();
  const qc = useQueryClient();
  const { toast } = useToast();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);

  async function signOutEverywhere() {
    setPending(true);
    await pendingSavesSettled();
    const res = await authClient.revokeSessions();
    if (res.error) {
      setPending(false);
      toast(res.error.message ?? "Could not sign out your other sessions. Try again.", "error");
      return;
    }
    qc.clear();
    router.push("/sign-in");
    router.refresh();
  }

  return (
    <>
      <SettingsCard
        title="Sessions"
        description="Lost a laptop or signed in on a shared computer? End every session on every device, including this one. Personal access tokens keep working: revoke them above."
        actions={
          <button type="button" className="btn-secondary" onClick={() => setOpen(true)}>
            Sign out everywhere…
          </button>
        }
      />
      {open && (
        <ConfirmDialog
          title="Sign out everywhere?"
          confirmLabel="Sign out everywhere"
          pending={pending}
          onCancel={() => setOpen(false)}
          onConfirm={signOutEverywhere}
        >
          <p>Every browser signed in to your account, this one included, is signed out at once.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
