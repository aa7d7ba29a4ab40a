import { getPath, setPath } from "../events/field-path";
import { truncateIp } from "../events/ip-address";
import type { EventRecord, JsonValue } from "../events/json-value";
import { hmacSha256Hex } from "../hash/hmac-sha256";
import type { NodeConfig } from "../nodes/registry";
import type { Core } from "./core-types";

export type MaskPiiOptions = {
  /** The value of the config's salt secret, resolved by the runner (or a preview salt). */
  salt?: string;
};

/**
 * Masks personal data in place of the original values:
 * - hash: HMAC-SHA256(salt, value) as hex. Deterministic, so joins and distinct counts still work;
 *   not reversible without the salt, even for small input spaces like emails.
 * - redact: a fixed text.
 * - truncate-ip: IPv4 /24 or IPv6 /48; values that are not IPs become null (never passed through).
 * Missing fields are left missing; null stays null. Never fails an event, so PII cannot reach the
 * dead-letter inbox from here.
 */
export function createMaskPiiCore(config: NodeConfig<"mask-pii">, options: MaskPiiOptions): Core {
  const needsSalt = config.rules.some((rule) => rule.method === "hash");
  if (needsSalt && !options.salt) throw new Error("mask-pii: hashing needs the salt secret's value");
  const salt = options.salt ?? "";

  const mask = (method: NodeConfig<"mask-pii">["rules"][number]["method"], value: JsonValue): JsonValue => {
    if (value === null) return null;
    switch (method) {
      case "hash":
        return hmacSha256Hex(salt, typeof value === "string" ? value : JSON.stringify(value));
      case "redact":
        return config.redactWith;
      case "truncate-ip":
        return typeof value === "string" ? (truncateIp(value) ?? null) : null;
    }
  };

  return {
    process(batch) {
      const out = batch.map((event) => {
        let masked: EventRecord = event;
        for (const rule of config.rules) {
          const value = getPath(masked, rule.field);
          if (value !== undefined) masked = setPath(masked, rule.field, mask(rule.method, value));
        }
        return masked;
      });
      return { outputs: { out }, errors: [] };
    },
  };
}
