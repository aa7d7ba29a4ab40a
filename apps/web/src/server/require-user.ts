import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getSessionUser } from "./auth";

/** For server components: the signed-in user, or a redirect to sign-in that comes back here. */
export async function requireUser(returnTo: string) {
  const session = await getSessionUser(await headers());
  if (!session) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return session.user;
}
