import "server-only";
import { RegistryError, schemaFields, schemaFieldTypes } from "@sluice/schema-registry";
import { valueSubject, workspaceTopicName } from "@sluice/shared";
import type { ServiceContext } from "../context";
import { describeRegistryError, registryClientFor } from "./schema-registry-view";

/**
 * The latest schema of a topic's value subject (`<topic>-value`) and the field paths it declares.
 * `connectionId` absent: the topic is this workspace's on Sluice's cluster (namespaced name).
 */
export async function getLatestSchema(
  ctx: Pick<ServiceContext, "prisma" | "workspace">,
  input: { registryId: string; topic: string; connectionId?: string | undefined },
) {
  const client = await registryClientFor(ctx, input.registryId);
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
    return { found: false as const, subject, message: describeRegistryError(e) };
  }
}
