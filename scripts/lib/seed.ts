// Demo data for `npm start`: one user who owns one workspace. Idempotent. The password is for a
// local demo only and is printed on start; never seed it in production (SLUICE_SEED_DEMO=false).
import { hashPassword } from "better-auth/crypto";
import type { PrismaClient } from "@sluice/db";

export const DEMO_USER = { email: "demo@sluice.dev", password: "sluice-demo-2026", name: "Demo User" };
export const DEMO_WORKSPACE = { name: "Demo team", slug: "demo" };

export async function seedDemo(prisma: PrismaClient): Promise<void> {
  let user = await prisma.user.findUnique({ where: { email: DEMO_USER.email } });
  if (!user) {
    user = await prisma.user.create({
      data: { email: DEMO_USER.email, name: DEMO_USER.name, emailVerified: true },
    });
    // better-auth keeps email/password credentials in an Account row with providerId "credential".
    await prisma.account.create({
      data: { userId: user.id, accountId: user.id, providerId: "credential", password: await hashPassword(DEMO_USER.password) },
    });
  }
  const ws = await prisma.workspace.upsert({
    where: { slug: DEMO_WORKSPACE.slug },
    create: { name: DEMO_WORKSPACE.name, slug: DEMO_WORKSPACE.slug },
    update: {},
  });
  await prisma.member.upsert({
    where: { workspaceId_userId: { workspaceId: ws.id, userId: user.id } },
    create: { workspaceId: ws.id, userId: user.id, role: "owner" },
    update: {},
  });
}
