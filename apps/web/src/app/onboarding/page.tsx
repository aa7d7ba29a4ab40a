import { requireUser } from "@/server/require-user";
import { CreateWorkspace } from "./CreateWorkspace";

export const metadata = { title: "New workspace" };
export const dynamic = "force-dynamic";

export default async function OnboardingPage() {
  const user = await requireUser("/onboarding");
  return <CreateWorkspace userName={user.name} />;
}
