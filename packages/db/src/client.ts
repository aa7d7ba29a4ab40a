import { PrismaPg } from "@prisma/adapter-pg";
import { readDatabaseUrl } from "./env";
import { PrismaClient } from "./generated/prisma/client";

/** A new Prisma client on its own pg pool (Prisma 7 is Rust-free: the adapter does the I/O). */
export function createPrismaClient(url: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}

// One client per process: dev servers re-evaluate modules on every hot reload, and a new client per
// reload would open a new pool each time until Postgres runs out of connections.
const globalForPrisma = globalThis as typeof globalThis & { sluicePrisma?: PrismaClient };

/** The process-wide client for DATABASE_URL (default postgresql://root@127.0.0.1:5432/sluice). */
export function getPrisma(): PrismaClient {
  globalForPrisma.sluicePrisma ??= createPrismaClient(readDatabaseUrl());
  return globalForPrisma.sluicePrisma;
}
