import { parseIPv4, parseIPv6 } from "../events/ip-address";
import type { JsonSchemaFormat } from "./json-schema-subset";

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// Deliberately loose (RFC 5322 is not worth enforcing); linear-time on the 254-char cap below.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function matchesFormat(format: JsonSchemaFormat, value: string): boolean {
  switch (format) {
    case "date-time":
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value.replace(" ", "T")));
    case "date":
      return (
        DATE.test(value) &&
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
        new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
      );
    case "email":
      return value.length <= 254 && EMAIL.test(value);
    case "uri":
      return URL.canParse(value);
    case "uuid":
      return UUID.test(value);
    case "ipv4":
      return parseIPv4(value) !== undefined;
    case "ipv6":
      return parseIPv6(value) !== undefined;
  }
}
