// Demo data for `npm start`: one user who owns one workspace and, unless SLUICE_DEMO=0, a running
// "Demo clickstream" pipeline with the credentials it needs. Idempotent: a re-run reuses what exists.
// The password is for a local demo only and is printed on start; never seed it in production
// (SLUICE_SEED_DEMO=false).
import { randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { issueToken, openSecret, sealSecret, secretHint, type PrismaClient } from "@sluice/db";
import { DEMO_INGEST_KEY_NAME, DEPLOYMENTS_CHANNEL, LOCAL_SECRET_NAMES } from "@sluice/shared";
import { Redis } from "ioredis";
import { writeAudit } from "../../apps/web/src/server/audit";
import { deployVersion, type AuditWrite } from "../../apps/web/src/server/services/deployments/deploy-version";
import { publishDraft } from "../../apps/web/src/server/services/pipelines/publish-draft";
import { clickstreamTablesSql, DEMO_PATH_KEY, DEMO_PIPELINE, demoPipelineGraph } from "./demo-pipeline";

export const DEMO_USER = { email: "demo@sluice.dev", password: "sluice-demo-2026", name: "Demo User" };
const DEMO_WORKSPACE = { name: "Demo team", slug: "demo" };
/** Holds the demo ingest key itself (sealed like any secret), so every start can print a working curl. */
const DEMO_TOKEN_SECRET = "demo-ingest-key";

export type DemoSeedOptions = {
  /** The app's database: the demo pipeline writes to its `demo` schema through a role limited to it. */
  databaseUrl: string;
  redisUrl: string;
  /** SLUICE_SECRET_KEY, to seal the seeded secrets as the web app would. */
  secretKey: string;
  /** Seed and deploy the demo pipeline (SLUICE_DEMO=0 turns it off). */
  pipeline: boolean;
};

export type DemoSeed = {
  workspaceId: string;
  /** Absent when the demo pipeline is off or could not be set up (the reason was logged). */
  pipeline?: { id: string; pathKey: string; ingestToken: string | null };
};

export async function seedDemo(prisma: PrismaClient, options: DemoSeedOptions): Promise<DemoSeed> {
  let user = await prisma.user.findUnique({ where: { email: DEMO_USER.email } });
  if (!user) {
    user = await prisma.user.create({
      data: { email: DEMO_USER.email, name: DEMO_USER.name, emailVerified: true },
    });
    // better-auth keeps email/password credentials in an Account row with providerId "credential".
    await prisma.account.create({
      data: {
        userId: user.id,
        accountId: user.id,
        providerId: "credential",
        password: await hashPassword(DEMO_USER.password),
      },
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
  if (!options.pipeline) return { workspaceId: ws.id };
  try {
    return { workspaceId: ws.id, pipeline: await seedDemoPipeline(prisma, options, ws.id, user.id) };
  } catch (e) {
    console.warn(`[sluice] demo pipeline not set up: ${e instanceof Error ? e.message : String(e)}`);
    return { workspaceId: ws.id };
  }
}

async function seedDemoPipeline(
  prisma: PrismaClient,
  options: DemoSeedOptions,
  workspaceId: string,
  userId: string,
): Promise<NonNullable<DemoSeed["pipeline"]>> {
  const audit: AuditWrite = (entry, db) =>
    writeAudit(db, { ...entry, workspaceId, actor: { type: "system", id: null }, outcome: "success" });
  const secret = async (name: string, value: () => Promise<string> | string) => {
    const found = await prisma.secret.findFirst({
      where: { workspaceId, name },
      select: { id: true, ciphertext: true },
    });
    if (found) return found;
    const plain = await value();
    return prisma.$transaction(async (tx) => {
      const s = await tx.secret.create({
        data: {
          workspaceId,
          name,
          ciphertext: sealSecret(plain, options.secretKey, workspaceId),
          hint: secretHint(plain),
          createdById: userId,
        },
        select: { id: true, ciphertext: true },
      });
      await audit(
        { action: "secret.create", resourceType: "secret", resourceId: s.id, summary: { name, seeded: true } },
        tx,
      );
      return s;
    });
  };

  for (const schema of ["demo", "analytics"])
    for (const sql of clickstreamTablesSql(schema)) await prisma.$executeRawUnsafe(sql);
  const postgres = await secret(LOCAL_SECRET_NAMES.postgres!, () => demoDatabaseUrl(prisma, options.databaseUrl));
  await secret(LOCAL_SECRET_NAMES.redis!, () => options.redisUrl);
  const salt = await secret(LOCAL_SECRET_NAMES["hash-salt"]!, () => randomBytes(24).toString("base64url"));

  // The ingest key is shown once in the app; the demo keeps it sealed so each start can print it again.
  let key = await prisma.apiKey.findFirst({
    where: { workspaceId, name: DEMO_INGEST_KEY_NAME, revokedAt: null },
    select: { id: true },
  });
  const tokenSecret = await prisma.secret.findFirst({
    where: { workspaceId, name: DEMO_TOKEN_SECRET },
    select: { ciphertext: true },
  });
  let ingestToken = tokenSecret ? openedOrNull(tokenSecret.ciphertext, options.secretKey, workspaceId) : null;
  if (!key) {
    const issued = issueToken("ingest");
    key = await prisma.$transaction(async (tx) => {
      const k = await tx.apiKey.create({
        data: {
          workspaceId,
          name: DEMO_INGEST_KEY_NAME,
          prefix: issued.prefix,
          hash: issued.hash,
          createdById: userId,
        },
        select: { id: true },
      });
      await audit(
        {
          action: "apiKey.create",
          resourceType: "api_key",
          resourceId: k.id,
          summary: { name: DEMO_INGEST_KEY_NAME, prefix: issued.prefix, seeded: true },
        },
        tx,
      );
      return k;
    });
    ingestToken = issued.token;
    const sealed = sealSecret(issued.token, options.secretKey, workspaceId);
    await prisma.$transaction(async (tx) => {
      const s = await tx.secret.upsert({
        where: { workspaceId_name: { workspaceId, name: DEMO_TOKEN_SECRET } },
        create: {
          workspaceId,
          name: DEMO_TOKEN_SECRET,
          ciphertext: sealed,
          hint: secretHint(issued.token),
          createdById: userId,
        },
        update: { ciphertext: sealed, hint: secretHint(issued.token) },
        select: { id: true },
      });
      await audit(
        {
          action: tokenSecret ? "secret.update" : "secret.create",
          resourceType: "secret",
          resourceId: s.id,
          summary: { name: DEMO_TOKEN_SECRET, seeded: true },
        },
        tx,
      );
    });
  }

  const existing = await prisma.pipeline.findFirst({
    where: { workspaceId, name: DEMO_PIPELINE.name, deletedAt: null },
    select: { id: true },
  });
  if (existing) return { id: existing.id, pathKey: DEMO_PATH_KEY, ingestToken };

  const draft = demoPipelineGraph({ apiKeyId: key.id, saltSecretId: salt.id, connectionSecretId: postgres.id });
  const pipeline = await prisma.$transaction(async (tx) => {
    const p = await tx.pipeline.create({
      data: {
        workspaceId,
        name: DEMO_PIPELINE.name,
        description: DEMO_PIPELINE.description,
        draft: draft as object,
        createdById: userId,
      },
    });
    await audit(
      {
        action: "pipeline.create",
        resourceType: "pipeline",
        resourceId: p.id,
        summary: { name: p.name, seeded: true },
      },
      tx,
    );
    return p;
  });
  // The same publish and deploy the editor's buttons run.
  const version = await publishDraft(prisma, {
    workspaceId,
    pipelineId: pipeline.id,
    baseRevision: 0,
    message: "Seeded by npm start",
    userId,
    audit,
  });
  await deployVersion(prisma, {
    workspaceId,
    pipelineId: pipeline.id,
    versionId: version.id,
    userId,
    startFrom: "latest",
    audit,
  });
  // As the web's deploy does: running runners reconcile now rather than at their next poll. With several
  // engine processes, one that has not polled yet would refuse the printed curl (unknown endpoint).
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.publish(DEPLOYMENTS_CHANNEL, pipeline.id);
  } finally {
    redis.disconnect();
  }
  return { id: pipeline.id, pathKey: DEMO_PATH_KEY, ingestToken };
}

/**
 * A connection string for a login role that may only read and write the demo tables, so a pipeline
 * sink pointed at the app's own database cannot touch the app's tables. One role per database (roles
 * are cluster-wide); its password is reset whenever the connection secret is created.
 */
async function demoDatabaseUrl(prisma: PrismaClient, databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1)) || "postgres";
  const role = `${database
    .replace(/[^a-z0-9_]/gi, "_")
    .toLowerCase()
    .slice(0, 50)}_demo`;
  const password = randomBytes(18).toString("base64url");
  const exists = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_roles WHERE rolname = ${role}`;
  // Identifiers are sanitised above and the password is base64url, so they are safe to inline.
  await prisma.$executeRawUnsafe(
    `${Number(exists[0]?.n ?? 0) > 0 ? "ALTER" : "CREATE"} ROLE "${role}" LOGIN PASSWORD '${password}'`,
  );
  await prisma.$executeRawUnsafe(`GRANT USAGE ON SCHEMA demo, analytics TO "${role}"`);
  await prisma.$executeRawUnsafe(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA demo, analytics TO "${role}"`);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** A sealed value, or null when it was sealed under another SLUICE_SECRET_KEY. */
function openedOrNull(sealed: string, secretKey: string, workspaceId: string): string | null {
  try {
    return openSecret(sealed, secretKey, workspaceId);
  } catch {
    return null;
  }
}
