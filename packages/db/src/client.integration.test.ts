// The generated Prisma 7 client, through @prisma/adapter-pg, against a migrated database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "./client";
import { Role, type PrismaClient } from "./generated/prisma/client";
import { migrateDatabase } from "./migrate";
import { createTempDatabase, type TempDatabase } from "./testing/temp-database";

describe("Prisma client round trip", () => {
  let db: TempDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTempDatabase("sluice_client");
    await migrateDatabase(db.url);
    prisma = createPrismaClient(db.url);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it("creates a workspace with a member, reads it back and deletes it", async () => {
    const user = await prisma.user.create({ data: { name: "Ada", email: "ada@example.com" } });
    const workspace = await prisma.workspace.create({
      data: { name: "Analytics", slug: "analytics", members: { create: { userId: user.id, role: Role.owner } } },
    });

    const read = await prisma.workspace.findUniqueOrThrow({
      where: { slug: "analytics" },
      include: { members: { include: { user: true } } },
    });
    expect(read.id).toBe(workspace.id);
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(read.members).toHaveLength(1);
    expect(read.members[0]).toMatchObject({ role: "owner", user: { email: "ada@example.com", emailVerified: false } });

    // The member goes with its workspace (ON DELETE CASCADE); the user stays.
    await prisma.workspace.delete({ where: { id: workspace.id } });
    expect(await prisma.member.count({ where: { userId: user.id } })).toBe(0);
    await prisma.user.delete({ where: { id: user.id } });
    expect(await prisma.user.count()).toBe(0);
  });

  it("keeps JSON defaults, BigInt counters and the append-only audit log", async () => {
    const limit = await prisma.rateLimit.create({
      data: { key: "127.0.0.1/sign-in", count: 1, lastRequest: Date.now() },
    });
    expect(typeof limit.lastRequest).toBe("bigint");

    const entry = await prisma.auditLog.create({
      data: { actorType: "system", action: "test.probe", resourceType: "probe", outcome: "success" },
    });
    expect(entry.summary).toEqual({});
    await expect(prisma.auditLog.delete({ where: { id: entry.id } })).rejects.toThrow(/append-only/);
  });
});
