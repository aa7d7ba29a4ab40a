import "server-only";
import { checkCluster } from "@sluice/kafka";
import {
  KafkaConnectionConfig,
  credentialsFor,
  credentialsProblem,
  kafkaClientSettings,
  unusedCredentials,
  type KafkaCredentials,
} from "@sluice/shared";
import { InvalidInputError, NotFoundError } from "../../errors";
import type { ServiceContext } from "../context";
import { connectionNotFound, kafkaConnectionSummary, openKafkaCredentials } from "./kafka-connection-view";

/** Topics a connection test lists at most (a large cluster's full list is not useful on a settings page). */
const TEST_TOPICS_SHOWN = 200;

/**
 * Connects with a saved connection (`connectionId`) or with a form's values before saving (`config`
 * and `credentials`; with `connectionId` too, the saved credentials fill in when none are given),
 * authenticates and lists the cluster's topics. A refusal is an answer, not an error: its category
 * (auth, tls, unreachable, timeout, other) and a message that carries no credentials. Audited: the
 * server dials an address an admin chose.
 */
export async function testKafkaConnection(
  ctx: ServiceContext,
  input: {
    connectionId?: string | undefined;
    config?: KafkaConnectionConfig | undefined;
    credentials?: KafkaCredentials | undefined;
  },
) {
  const saved = input.connectionId
    ? await ctx.prisma.kafkaConnection.findFirst({
        where: { id: input.connectionId, workspaceId: ctx.workspace.id },
        select: { id: true, name: true, config: true, credentials: true },
      })
    : null;
  if (input.connectionId && !saved) throw new NotFoundError(connectionNotFound);
  const config = input.config ?? KafkaConnectionConfig.parse(saved!.config);
  const unused = unusedCredentials(config.security, input.credentials);
  if (unused) throw new InvalidInputError(unused);
  const credentials = credentialsFor(
    config.security,
    saved ? openKafkaCredentials(saved.credentials, ctx.workspace.id) : undefined,
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
      ...kafkaConnectionSummary(saved?.name ?? "(unsaved)", config),
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
}
