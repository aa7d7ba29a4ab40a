import "server-only";
import type { ServiceContext } from "../context";
import { describeRegistryError, registryClientFor } from "./schema-registry-view";

/**
 * "Test connection": lists the registry's subjects (the first 100) and reads its global compatibility
 * mode. A failure is an answer (`ok: false` and a message), not an error.
 */
export async function testSchemaRegistry(
  ctx: Pick<ServiceContext, "prisma" | "workspace">,
  input: { registryId: string },
) {
  const client = await registryClientFor(ctx, input.registryId);
  try {
    const [subjects, compatibility] = await Promise.all([client.subjects(), client.compatibility()]);
    return { ok: true as const, subjects: subjects.slice(0, 100), subjectCount: subjects.length, compatibility };
  } catch (e) {
    return { ok: false as const, message: describeRegistryError(e) };
  }
}
