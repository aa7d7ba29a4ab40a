import "server-only";
import { API_KEY_REVOKED_CHANNEL } from "@sluice/shared";
import { redis } from "./redis";

/** Announces a revoked ingest key's hash to the runners (they drop their key cache at once). */
export async function publishKeyRevocation(hash: string): Promise<void> {
  await redis().publish(API_KEY_REVOKED_CHANNEL, hash);
}
