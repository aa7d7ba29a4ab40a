import "server-only";
import { createHash } from "node:crypto";
import { signInThrottleKey } from "@sluice/shared";
import type { Redis } from "ioredis";
import { redis } from "./redis";

/**
 * Per-account sign-in throttling that slows guessing down without letting a stranger lock the owner
 * out. Attempts are counted since the account's last successful sign-in, in two tiers:
 *
 * - per account and client: the client is the browser when it carries this account's signed
 *   known-device cookie (set at a successful sign-in), otherwise the client address;
 * - per account from all unknown clients (a distributed guesser), which never applies to a known
 *   device, so strangers cannot slow the owner's own browsers down at all.
 *
 * Past a tier's free attempts each further attempt must wait 1 s, 2 s, 4 s, ... (capped) after the
 * previous one; an attempt made earlier is answered 429 with Retry-After and not counted. A correct
 * password is never refused for longer than the cap, and counts reset on success or after a quiet day.
 */
export type ThrottleTier = { key: string; freeAttempts: number; maxDelayMs: number };

export const KNOWN_DEVICE_COOKIE = "sluice_known_device";
/** Per account and client: the owner mistyping, or one address guessing. */
const PER_CLIENT = { freeAttempts: 5, maxDelayMs: 15 * 60_000 };
/** Per account over all unknown clients: a botnet guessing, without touching known devices. */
const PER_ACCOUNT = { freeAttempts: 20, maxDelayMs: 5 * 60_000 };
const QUIET_RESET_MS = 24 * 3600_000;

/** The delay owed after `attempts` counted attempts (pure, for tests and Retry-After). */
export function throttleDelayMs(attempts: number, tier: { freeAttempts: number; maxDelayMs: number }): number {
  if (attempts < tier.freeAttempts) return 0;
  return Math.min(1000 * 2 ** Math.min(attempts - tier.freeAttempts, 30), tier.maxDelayMs);
}

/** The account's identity in keys and the device cookie: a hash, so neither shows the address. */
export function accountTag(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("base64url").slice(0, 22);
}

export function signInTiers(email: string, client: { knownDevice: boolean; ip: string | null }): ThrottleTier[] {
  const account = signInThrottleKey(accountTag(email));
  if (client.knownDevice) return [{ key: `${account}:device`, ...PER_CLIENT }];
  return [
    { key: `${account}:ip:${client.ip ?? "unknown"}`, ...PER_CLIENT },
    { key: account, ...PER_ACCOUNT },
  ];
}

// KEYS: tier keys. ARGV: now, quietResetMs, then freeAttempts and maxDelayMs per key.
// Answers the milliseconds to wait (nothing counted), or 0 after counting the attempt in every tier.
const ATTEMPT_SCRIPT = `
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  local last = tonumber(redis.call('HGET', key, 'last') or '0')
  local free = tonumber(ARGV[1 + i * 2])
  local cap = tonumber(ARGV[2 + i * 2])
  if n >= free then
    local delay = math.min(1000 * 2 ^ math.min(n - free, 30), cap)
    if last + delay - now > wait then wait = last + delay - now end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'last', now)
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0
`;

type ThrottleClient = Redis & {
  /** ATTEMPT_SCRIPT as a command (ioredis runs it by its SHA and loads it when Redis lacks it). */
  takeSignInAttempt(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number | string>;
};

/** The shared connection with the attempt script defined on it (once per connection). */
function throttleClient(): ThrottleClient {
  const client = redis() as ThrottleClient;
  if (typeof client.takeSignInAttempt !== "function")
    client.defineCommand("takeSignInAttempt", { lua: ATTEMPT_SCRIPT });
  return client;
}

/** Counts one attempt, or answers how long (ms) the caller must wait first. */
export async function takeSignInAttempt(tiers: readonly ThrottleTier[], now = Date.now()): Promise<number> {
  const args = [
    String(now),
    String(QUIET_RESET_MS),
    ...tiers.flatMap((t) => [String(t.freeAttempts), String(t.maxDelayMs)]),
  ];
  return Number(await throttleClient().takeSignInAttempt(tiers.length, ...tiers.map((t) => t.key), ...args));
}

/** A successful sign-in clears the counts of the tiers it went through. */
export async function clearSignInAttempts(tiers: readonly ThrottleTier[]): Promise<void> {
  if (tiers.length > 0) await redis().del(...tiers.map((t) => t.key));
}
