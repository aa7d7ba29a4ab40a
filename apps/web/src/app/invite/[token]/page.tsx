import Link from "next/link";
import { headers } from "next/headers";
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { Logo } from "@/components/Logo";
import { appRouter } from "@/server/routers/_app";
import { requireUser } from "@/server/require-user";
import { createCallerFactory, createContext } from "@/server/trpc/init";
import { AcceptInvitation, SignOutAndReturn } from "./AcceptInvitation";

export const metadata = { title: "Invitation" };
export const dynamic = "force-dynamic";

const createCaller = createCallerFactory(appRouter);

/** Why an invitation can't be used, in words for the person holding the link. */
function problemOf(error: unknown): { title: string; detail: string } {
  if (error instanceof TRPCError) {
    if (error.cause instanceof ZodError)
      return {
        title: "This link is incomplete",
        detail: "Check that you copied the whole invitation link, or ask for a new one.",
      };
    if (error.code === "NOT_FOUND")
      return { title: "Invitation not found", detail: `${error.message} Ask whoever invited you for a new link.` };
    if (error.code === "BAD_REQUEST") return { title: "This invitation can't be used", detail: error.message };
  }
  throw error;
}

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const path = `/invite/${encodeURIComponent(token)}`;
  const user = await requireUser(path);
  const caller = createCaller(await createContext({ headers: await headers() }));
  let preview: Awaited<ReturnType<typeof caller.invitation.preview>> | null = null;
  let problem: { title: string; detail: string } | null = null;
  try {
    preview = await caller.invitation.preview({ token });
  } catch (e) {
    problem = problemOf(e);
  }

  return (
    <div className="flex min-h-screen items-center justify-center p-4">
      <div className="card w-full max-w-md p-8">
        <Logo className="mb-6 text-xl" />
        {problem ? (
          <div role="alert" data-testid="invitation-problem">
            <h1 className="mb-2 text-lg font-semibold">{problem.title}</h1>
            <p className="text-sm text-slate-600 dark:text-slate-300">{problem.detail}</p>
            <Link href="/" className="btn-secondary mt-6">
              Go to Sluice
            </Link>
          </div>
        ) : preview && !preview.matchesYou ? (
          <div data-testid="invitation-mismatch">
            <h1 className="mb-2 text-lg font-semibold">This invitation is for someone else</h1>
            <p className="text-sm text-slate-600 dark:text-slate-300">
              {preview.invitedBy} invited <span className="font-medium">{preview.email}</span> to join{" "}
              <span className="font-medium">{preview.workspaceName}</span>, but you are signed in as{" "}
              <span className="font-medium">{user.email}</span>.
            </p>
            <p className="mt-2 text-sm text-slate-600 dark:text-slate-300">
              Sign out, then sign in or create an account with {preview.email} to accept it.
            </p>
            <div className="mt-6 flex flex-wrap gap-2">
              <SignOutAndReturn returnTo={path} />
              <Link href="/" className="btn-ghost">
                Not now
              </Link>
            </div>
          </div>
        ) : preview ? (
          <div data-testid="invitation">
            <p className="text-sm text-slate-500 dark:text-slate-400">You have been invited</p>
            <h1 className="mt-1 mb-4 text-lg font-semibold">Join {preview.workspaceName}</h1>
            <dl className="mb-6 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
              <dt className="text-slate-500 dark:text-slate-400">Invited by</dt>
              <dd className="font-medium">{preview.invitedBy}</dd>
              <dt className="text-slate-500 dark:text-slate-400">Your role</dt>
              <dd className="font-medium capitalize">{preview.role}</dd>
              <dt className="text-slate-500 dark:text-slate-400">Account</dt>
              <dd className="font-medium">{user.email}</dd>
            </dl>
            <AcceptInvitation token={token} workspaceName={preview.workspaceName} />
          </div>
        ) : null}
      </div>
    </div>
  );
}
