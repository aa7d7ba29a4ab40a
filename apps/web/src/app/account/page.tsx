import { AppShell } from "@/components/AppShell";
import { requireUser } from "@/server/require-user";
import { PersonalTokens } from "./PersonalTokens";
import { SignOutEverywhere } from "./SignOutEverywhere";

export const metadata = { title: "Account" };
export const dynamic = "force-dynamic";

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<{ workspace?: string | string[] }>;
}) {
  const { workspace } = await searchParams;
  // The workspace the user came from: the shell keeps its navigation, new tokens default to it.
  const workspaceId = typeof workspace === "string" && workspace ? workspace : undefined;
  const user = await requireUser(workspaceId ? `/account?workspace=${encodeURIComponent(workspaceId)}` : "/account");
  return (
    <AppShell workspaceId={workspaceId}>
      <div className="mx-auto max-w-4xl space-y-6 px-4 py-8 sm:px-8">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Account</h1>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            Signed in as {user.name} ({user.email})
          </p>
        </div>
        <PersonalTokens defaultWorkspaceId={workspaceId} />
        <SignOutEverywhere />
      </div>
    </AppShell>
  );
}
