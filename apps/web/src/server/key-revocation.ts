import "server-only";
import { redis } from "./redis";

/**
 * Channel on which revoked ingest-key hashes are announced. Runners cache successful key lookups
 * for at most a second and drop a hash from the cache as soon as it is announced here.
 */
export const KEY_REVOCATION_CHANNEL = "sluice:apikey:revoked";

export async function publishKeyRevocation(hash: string): Promise<void> {
  await redis().publish(KEY_REVOCATION_CHANNEL, hash);
}
