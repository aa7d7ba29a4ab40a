import "server-only";
import { z } from "zod";
import { openSecret, sealSecret, secretHint } from "@sluice/db";
import { checkCluster } from "@sluice/kafka";
import {
  KafkaConnectionConfig,
  KafkaConnectionName,
  KafkaCredentials,
  credentialsFor,
  credentialsProblem,
  kafkaClientSettings,
  needsCredentials,
  unusedCredentials,
} from "@sluice/shared";
import { env } from "../env";
import { router, scopedProcedure } from "../trpc/init";
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from "../errors";

const ConnectionId = z.string().min(1).max(64);
const listed = {
  id: true,
  name: true,
  config: true,
  credentialsHint: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const;

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}

/** The sealed credentials and their hint, or nulls for protocols without authentication. */
function sealCredentials(
  config: KafkaConnectionConfig,
  credentials: KafkaCredentials | undefined,
  workspaceId: string,
) {
  const problem = credentialsProblem(config.security, credentials);
  if (problem) throw new InvalidInputError(problem);
  if (!credentials || !needsCredentials(config.security)) return { credentials: null, credentialsHint: null };
  const hint = [
    ...(credentials.password ? [secretHint(credentials.password)] : []),
    ...(credentials.token ? [`token ${secretHint(credentials.token)}`] : []),
    ...(credentials.clientCert ? ["client certificate"] : []),
  ].join(" + ");
  return {
    credentials: sealSecret(JSON.stringify(credentials), env().SLUICE_SECRET_KEY, workspaceId),
    credentialsHint: hint,
  };
}

/** A saved connection's opened credentials. */
function openCredentials(sealed: string | null, workspaceId: string): KafkaCredentials | undefined {
  return sealed
    ? KafkaCredentials.parse(JSON.parse(openSecret(sealed, env().SLUICE_SECRET_KEY, workspaceId)))
    : undefined;
}

/** Topics a connection test lists at most (a large cluster's full list is not useful on a settings page). */
const TEST_TOPICS_SHOWN = 200;

const summaryOf = (name: string, config: KafkaConnectionConfig) => ({
  name,
  bootstrapServers: config.bootstrapServers,
  protocol: config.security.protocol,
});

/**
 * Kafka clusters a workspace reaches through kafka-source and kafka-sink. Admins manage them; every
 * member may list them (the canvas offers and checks them). Credentials go in sealed and never come
 * back out: only a masked hint.
 */
export const kafkaConnectionRouter = router({
  list: scopedProcedure("connection:read").query(async ({ ctx }) => {
    const rows = await ctx.prisma.kafkaConnection.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: listed,
      orderBy: { name: "asc" },
    });
    return rows.map((row) => ({ ...row, config: KafkaConnectionConfig.parse(row.config) }));
  }),

  create: scopedProcedure("connection:manage")
    .input(
      z.object({ name: KafkaConnectionName, config: KafkaConnectionConfig, credentials: KafkaCredentials.optional() }),
    )
    .mutation(async ({ ctx, input }) => {
      const sealed = sealCredentials(input.config, input.credentials, ctx.workspace.id);
      const conflict = () => new ConflictError(`A connection named ${input.name} already exists.`);
      return ctx.prisma
        .$transaction(async (tx) => {
          const row = await tx.kafkaConnection.create({
            data: {
              workspaceId: ctx.workspace.id,
              name: input.name,
              config: input.config,
              ...sealed,
              createdById: ctx.user.id,
            },
            select: listed,
          });
          await ctx.audit(
            {
              action: "kafkaConnection.create",
              resourceType: "kafka_connection",
              resourceId: row.id,
              summary: summaryOf(row.name, input.config),
            },
            tx,
          );
          return { ...row, config: input.config };
        })
        .catch((e: unknown) => {
          throw isUniqueViolation(e) ? conflict() : e;
        });
    }),

  /**
   * Replaces name and config; saved credentials the config still uses are kept unless new ones are
   * given (a new password keeps the saved client certificate, and the other way round).
   */
  update: scopedProcedure("connection:manage")
    .input(
      z.object({
        connectionId: ConnectionId,
        name: KafkaConnectionName,
        config: KafkaConnectionConfig,
        credentials: KafkaCredentials.optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const existing = await ctx.prisma.kafkaConnection.findFirst({
        where: { id: input.connectionId, workspaceId: ctx.workspace.id },
        select: { id: true, credentials: true, credentialsHint: true },
      });
      if (!existing) throw new NotFoundError("Connection not found.");
      const unused = unusedCredentials(input.config.security, input.credentials);
      if (unused) throw new InvalidInputError(unused);
      const keep = needsCredentials(input.config.security) && !input.credentials && existing.credentials;
      const sealed = keep
        ? { credentials: existing.credentials, credentialsHint: existing.credentialsHint }
        : sealCredentials(
            input.config,
            credentialsFor(
              input.config.security,
              openCredentials(existing.credentials, ctx.workspace.id),
              input.credentials,
            ),
            ctx.workspace.id,
          );
      return ctx.prisma
        .$transaction(async (tx) => {
          const row = await tx.kafkaConnection.update({
            where: { id: existing.id },
            data: { name: input.name, config: input.config, ...sealed },
            select: listed,
          });
          await ctx.audit(
            {
              action: "kafkaConnection.update",
              resourceType: "kafka_connection",
              resourceId: row.id,
              summary: {
                ...summaryOf(row.name, input.config),
                credentialsChanged: !keep && Boolean(input.credentials),
              },
            },
            tx,
          );
          return { ...row, config: input.config };
        })
        .catch((e: unknown) => {
          throw isUniqueViolation(e) ? new ConflictError(`A connection named ${input.name} already exists.`) : e;
        });
    }),

  /**
   * Connects with a saved connection (`connectionId`) or with a form's values before saving (`config`
   * and `credentials`; with `connectionId` too, the saved credentials fill in when none are given),
   * authenticates and lists the cluster's topics. A refusal is an answer, not an error: its category
   * (auth, tls, unreachable, timeout, other) and a message that carries no credentials. Audited: the
   * server dials an address an admin chose.
   */
  test: scopedProcedure("connection:manage")
    .input(
      z
        .object({
          connectionId: ConnectionId.optional(),
          config: KafkaConnectionConfig.optional(),
          credentials: KafkaCredentials.optional(),
        })
        .refine(
          (v) => v.connectionId !== undefined || v.config !== undefined,
          "Give a saved connection or a connection's settings.",
        ),
    )
    .mutation(async ({ ctx, input }) => {
      const saved = input.connectionId
        ? await ctx.prisma.kafkaConnection.findFirst({
            where: { id: input.connectionId, workspaceId: ctx.workspace.id },
            select: { id: true, name: true, config: true, credentials: true },
          })
        : null;
      if (input.connectionId && !saved) throw new NotFoundError("Connection not found.");
      const config = input.config ?? KafkaConnectionConfig.parse(saved!.config);
      const unused = unusedCredentials(config.security, input.credentials);
      if (unused) throw new InvalidInputError(unused);
      const credentials = credentialsFor(
        config.security,
        saved ? openCredentials(saved.credentials, ctx.workspace.id) : undefined,
        input.credentials,
      );
      const problem = credentialsProblem(config.security, credentials);
      if (problem) throw new InvalidInputError(problem);
      const result = await checkCluster({
        ...kafkaClientSettings(config, credentials),
        clientId: `sluice-web-test-${ctx.workspace.id}`,
        timeoutMs: 10_000,
      });
      await ctx.audit({
        action: "kafkaConnection.test",
        resourceType: "kafka_connection",
        resourceId: saved?.id ?? null,
        summary: {
          ...summaryOf(saved?.name ?? "(unsaved)", config),
          outcome: result.ok ? "connected" : result.category,
        },
      });
      if (!result.ok) return { ok: false as const, category: result.category, message: result.message };
      return {
        ok: true as const,
        brokers: result.brokers,
        topicCount: result.topics.length,
        topics: result.topics.slice(0, TEST_TOPICS_SHOWN),
      };
    }),

  /** Refused while a running deployment reads or writes through it. */
  delete: scopedProcedure("connection:manage")
    .input(z.object({ connectionId: ConnectionId }))
    .mutation(async ({ ctx, input }) => {
      const existing = await ctx.prisma.kafkaConnection.findFirst({
        where: { id: input.connectionId, workspaceId: ctx.workspace.id },
        select: { id: true, name: true },
      });
      if (!existing) throw new NotFoundError("Connection not found.");
      const probe = JSON.stringify([{ config: { connectionId: existing.id } }]);
      const inUse = await ctx.prisma.$queryRaw<{ name: string }[]>`
        SELECT p.name FROM deployment d JOIN pipeline_version v ON v.id = d.version_id JOIN pipeline p ON p.id = d.pipeline_id
        WHERE d.workspace_id = ${ctx.workspace.id} AND d.desired_state = 'running' AND v.graph->'nodes' @> ${probe}::jsonb`;
      if (inUse.length > 0) {
        throw new PreconditionFailedError(
          `Stop the pipelines using this connection first: ${inUse.map((p) => p.name).join(", ")}.`,
        );
      }
      await ctx.prisma.$transaction(async (tx) => {
        await tx.kafkaConnection.delete({ where: { id: existing.id } });
        await ctx.audit(
          {
            action: "kafkaConnection.delete",
            resourceType: "kafka_connection",
            resourceId: existing.id,
            summary: { name: existing.name },
          },
          tx,
        );
      });
      return { ok: true };
    }),
});
