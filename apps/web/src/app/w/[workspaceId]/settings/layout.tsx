import type { ReactNode } from "react";
import { AppShell } from "@/components/AppShell";
import { SettingsFrame } from "@/components/settings/SettingsFrame";

export const metadata = { title: { default: "Settings", template: "%s · Settings · Sluice" } };

export default async function SettingsLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  return (
    <AppShell workspaceId={workspaceId}>
      <SettingsFrame workspaceId={workspaceId}>{children}</SettingsFrame>
    </AppShell>
  );
}
