import { z } from "zod";
import { FieldPath } from "../../events/field-path";
import { issue, secretRef } from "../config-fields";
import { ui } from "../field-ui";
import { defineNode } from "../node-descriptor";
import { ERROR_PORT, EVENTS_IN } from "../port";

export const MaskMethod = z.enum(["hash", "redact", "truncate-ip"]);
export type MaskMethod = z.infer<typeof MaskMethod>;

export const MaskRule = z.strictObject({
  field: FieldPath.meta(ui({ title: "Field", widget: "field-path", placeholder: "props.email" })),
  method: MaskMethod.meta(
    ui({
      title: "Method",
      description:
        "hash: keyed HMAC-SHA256 token (joinable, not reversible without the salt); redact: replace with a fixed text; truncate-ip: keep the /24 (IPv4) or /48 (IPv6).",
      widget: "select",
    }),
  ),
});
export type MaskRule = z.infer<typeof MaskRule>;

export const MaskPiiConfig = z
  .strictObject({
    rules: z
      .array(MaskRule)
      .min(1)
      .max(64)
      .meta(ui({ title: "Fields to mask", widget: "fields-list" })),
    saltSecretId: secretRef("hash-salt", {
      title: "Hash salt",
      description: "Secret mixed into every hash. Required when any rule hashes; rotating it changes every token.",
    }).optional(),
    redactWith: z
      .string()
      .max(64)
      .default("[redacted]")
      .meta(
        ui({
          title: "Redacted value",
          description: 'Text that replaces redacted fields. Default "[redacted]".',
          widget: "text",
          advanced: true,
        }),
      ),
  })
  .superRefine((config, ctx) => {
    if (config.rules.some((rule) => rule.method === "hash") && !config.saltSecretId) {
      issue(ctx, ["saltSecretId"], "Hashing needs a salt secret, otherwise tokens can be reversed by guessing inputs");
    }
  });

export const maskPiiNode = defineNode({
  type: "mask-pii",
  typeVersion: 1,
  category: "transform",
  label: "Mask PII",
  description: "Hashes, redacts or truncates personal data before it reaches storage.",
  icon: "eye-off",
  stateful: false,
  inputs: [EVENTS_IN],
  outputs: [{ name: "out", label: "Masked", kind: "passthrough" }, ERROR_PORT],
  configSchema: MaskPiiConfig,
  example: {
    rules: [
      { field: "props.email", method: "hash" },
      { field: "context.ip", method: "truncate-ip" },
      { field: "props.phone", method: "redact" },
    ],
    saltSecretId: "sec_pii_salt",
  },
  fieldRefs: (config) => config.rules.map((rule, i) => ({ path: ["rules", i, "field"], field: rule.field })),
});
