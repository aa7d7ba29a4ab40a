import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getPrisma } from "@sluice/db";
import { getSessionUser } from "@/server/auth";

export const dynamic = "force-dynamic";

/** Sends the visitor where they belong: sign-in, onboarding, or their first workspace. */
export default async function Home() {
  const session = await getSessionUser(await headers());
  if (!session) redirect("/sign-in");
  const member = await getPrisma().member.findFirst({
    where: { userId: session.user.id },
    orderBy: { createdAt: "asc" },
    select: { workspaceId: true },
  });
  redirect(member ? `/w/${member.workspaceId}` : "/onboarding");
}
