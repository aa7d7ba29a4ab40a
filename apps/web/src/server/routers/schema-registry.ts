import "server-only";
import { z } from "zod";
import { openSecret, sealSecret, secretHint } from "@sluice/db";
import { createRegistryClient, RegistryError, schemaFields, schemaFieldTypes } from "@sluice/schema-registry";
import {
  KafkaTopicName,
  SchemaRegistryCredentials,
  SchemaRegistryName,
  SchemaRegistryUrl,
  valueSubject,
  workspaceTopicName,
} from "@sluice/shared";
import { env } from "../env";
import { router, scopedProcedure } from "../trpc/init";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../errors";

const RegistryId = z.string().min(1).max(64);
const listed = {
  id: true,
  name: true,
  url: true,
  credentialsHint: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const;

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}

const conflict = (name: string) => new ConflictError(`A schema registry named ${name} already exists.`);

/** A client for one of the workspace's registries (credentials opened here, never returned). */
async function registryClientFor(
  prisma: {
    schemaRegistryConnection: {
      findFirst: (args: {
        where: { id: string; workspaceId: string };
        select: { url: true; credentials: true };
      }) => Promise<{ url: string; credentials: string | null } | null>;
    };
  },
  workspaceId: string,
  registryId: string,
) {
  const row = await prisma.schemaRegistryConnection.findFirst({
    where: { id: registryId, workspaceId },
    select: { url: true, credentials: true },
  });
  if (!row) return undefined;
  const auth = row.credentials
    ? SchemaRegistryCredentials.parse(JSON.parse(openSecret(row.credentials, env().SLUICE_SECRET_KEY, workspaceId)))
    : undefined;
  return createRegistryClient({ url: row.url, ...(auth ? { auth } : {}), timeoutMs: 5000 });
}

/** A registry failure as a message for people: never the credentials, never a stack. */
function describe(e: unknown): string {
  if (e instanceof RegistryError) return e.status === 0 ? e.message : `${e.message} (HTTP ${e.status})`;
  return "the schema registry's answer could not be read";
}

/**
 * Confluent-compatible schema registries of a workspace. Admins manage them; every member may list
 * them and read a topic's latest schema (the canvas shows it). Basic-auth credentials go in sealed
 * and never come back out: only a masked hint.
 */
export const schemaRegistryRouter = router({
  list: scopedProcedure("connection:read").query(({ ctx }) =>
    ctx.prisma.schemaRegistryConnection.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: listed,
      orderBy: { name: "asc" },
    }),
  ),

  create: scopedProcedure("connection:manage")
    .input(
      z.object({ name: SchemaRegistryName, url: SchemaRegistryUrl, credentials: SchemaRegistryCredentials.optional() }),
    )
    .mutation(async ({ ctx, input }) => {
      const sealed = input.credentials
        ? {
            credentials: sealSecret(JSON.stringify(input.credentials), env().SLUICE_SECRET_KEY, ctx.workspace.id),
            credentialsHint: `${input.credentials.username} / ${secretHint(input.credentials.password)}`,
          }
        : { credentials: null, credentialsHint: null };
      return ctx.prisma
        .$transaction(async (tx) => {
          const row = await tx.schemaRegistryConnection.create({
            data: {
              workspaceId: ctx.workspace.id,
              name: input.name,
              url: input.url,
              ...sealed,
              createdById: ctx.user.id,
            },
            select: listed,
          });
          await ctx.audit(
            {
              action: "schemaRegistry.create",
              resourceType: "schema_registry_connection",
              resourceId: row.id,
              summary: { name: row.name, url: row.url, auth: Boolean(input.credentials) },
            },
            tx,
          );
          return row;
        })
        .catch((e: unknown) => {
          throw isUniqueViolation(e) ? conflict(input.name) : e;
        });
    }),

  /** Replaces name and URL; credentials are kept unless new ones are given or `removeCredentials`. */
  update: scopedProcedure("connection:manage")
    .input(
      z.object({
        registryId: RegistryId,
        name: SchemaRegistryName,
        url: SchemaRegistryUrl,
        credentials: SchemaRegistryCredentials.optional(),
        removeCredentials: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const existing = await ctx.prisma.schemaRegistryConnection.findFirst({
        where: { id: input.registryId, workspaceId: ctx.workspace.id },
        select: { id: true },
      });
      if (!existing) throw new NotFoundError("Schema registry not found.");
      const sealed = input.credentials
        ? {
            credentials: sealSecret(JSON.stringify(input.credentials), env().SLUICE_SECRET_KEY, ctx.workspace.id),
            credentialsHint: `${input.credentials.username} / ${secretHint(input.credentials.password)}`,
          }
        : input.removeCredentials
          ? { credentials: null, credentialsHint: null }
          : {};
      return ctx.prisma
        .$transaction(async (tx) => {
          const row = await tx.schemaRegistryConnection.update({
            where: { id: existing.id },
            data: { name: input.name, url: input.url, ...sealed },
            select: listed,
          });
          await ctx.audit(
            {
              action: "schemaRegistry.update",
              resourceType: "schema_registry_connection",
              resourceId: row.id,
              summary: {
                name: row.name,
                url: row.url,
                credentialsChanged: Boolean(input.credentials) || Boolean(input.removeCredentials),
              },
            },
            tx,
          );
          return row;
        })
        .catch((e: unknown) => {
          throw isUniqueViolation(e) ? conflict(input.name) : e;
        });
    }),

  /** Refused while a running deployment reads or writes through it. */
  delete: scopedProcedure("connection:manage")
    .input(z.object({ registryId: RegistryId }))
    .mutation(async ({ ctx, input }) => {
      const existing = await ctx.prisma.schemaRegistryConnection.findFirst({
        where: { id: input.registryId, workspaceId: ctx.workspace.id },
        select: { id: true, name: true },
      });
      if (!existing) throw new NotFoundError("Schema registry not found.");
      const probe = JSON.stringify([{ config: { registryId: existing.id } }]);
      const inUse = await ctx.prisma.$queryRaw<{ name: string }[]>`
        SELECT p.name FROM deployment d JOIN pipeline_version v ON v.id = d.version_id JOIN pipeline p ON p.id = d.pipeline_id
        WHERE d.workspace_id = ${ctx.workspace.id} AND d.desired_state = 'running' AND v.graph->'nodes' @> ${probe}::jsonb`;
      if (inUse.length > 0)
        throw new PreconditionFailedError(
          `Stop the pipelines using this registry first: ${inUse.map((p) => p.name).join(", ")}.`,
        );
      await ctx.prisma.$transaction(async (tx) => {
        await tx.schemaRegistryConnection.delete({ where: { id: existing.id } });
        await ctx.audit(
          {
            action: "schemaRegistry.delete",
            resourceType: "schema_registry_connection",
            resourceId: existing.id,
            summary: { name: existing.name },
          },
          tx,
        );
      });
      return { ok: true };
    }),

  /** "Test connection": lists the registry's subjects and reads its global compatibility mode. */
  test: scopedProcedure("connection:manage")
    .input(z.object({ registryId: RegistryId }))
    .mutation(async ({ ctx, input }) => {
      const client = await registryClientFor(ctx.prisma, ctx.workspace.id, input.registryId);
      if (!client) throw new NotFoundError("Schema registry not found.");
      try {
        const [subjects, compatibility] = await Promise.all([client.subjects(), client.compatibility()]);
        return { ok: true as const, subjects: subjects.slice(0, 100), subjectCount: subjects.length, compatibility };
      } catch (e) {
        return { ok: false as const, message: describe(e) };
      }
    }),

  /**
   * The latest schema of a topic's value subject (`<topic>-value`) and the field paths it declares.
   * `connectionId` absent: the topic is this workspace's on Sluice's cluster (namespaced name).
   */
  latestSchema: scopedProcedure("connection:read")
    .input(
      z.object({ registryId: RegistryId, topic: KafkaTopicName, connectionId: z.string().min(1).max(64).optional() }),
    )
    .query(async ({ ctx, input }) => {
      const client = await registryClientFor(ctx.prisma, ctx.workspace.id, input.registryId);
      if (!client) throw new NotFoundError("Schema registry not found.");
      const topic = input.connectionId ? input.topic : workspaceTopicName(ctx.workspace.slug, input.topic);
      const subject = valueSubject(topic);
      try {
        const latest = await client.latest(subject);
        let fields: { paths: string[]; open: boolean; types: { path: string; type: string }[] } | undefined;
        let problem: string | undefined;
        try {
          const types = schemaFieldTypes(latest.schemaType, latest.schema);
          fields = {
            ...schemaFields(latest.schemaType, latest.schema),
            types: Object.entries(types).map(([path, type]) => ({ path, type })),
          };
        } catch (e) {
          problem = `The schema does not parse: ${(e as Error).message}`;
        }
        return {
          found: true as const,
          subject,
          id: latest.id,
          version: latest.version,
          schemaType: latest.schemaType,
          schema: latest.schema.slice(0, 100_000),
          ...(fields ? { fields } : {}),
          ...(problem ? { problem } : {}),
        };
      } catch (e) {
        if (e instanceof RegistryError && e.status === 404)
          return { found: false as const, subject, message: `No schema is registered under ${subject}.` };
        return { found: false as const, subject, message: describe(e) };
      }
    }),
});
