import { describe, expect, it } from "vitest";
import { celToBloblang } from "./cel-to-bloblang";

const translated: [cel: string, bloblang: string][] = [
  ["event", "this"],
  ["event.type", "this.type"],
  ["event.props.amount", "this.props.amount"],
  ['event["user-agent"]', 'this."user-agent"'],
  ['event.props["amount"]', "this.props.amount"],
  ["event.items[0]", "this.items.index(0)"],
  ['"it\'s \\"quoted\\"\\n"', '"it\'s \\"quoted\\"\\n"'],
  ["42", "42"],
  ["2.5", "2.5"],
  ["3.0", "3.0"],
  ["-7", "-7"],
  ["true", "true"],
  ["null", "null"],
  ['event.type == "purchase"', 'this.type == "purchase"'],
  ["event.props.amount >= 1000", "this.props.amount >= 1000"],
  ["event.a != event.b", "this.a != this.b"],
  ['event.type == "purchase" && event.props.amount > 10', 'this.type == "purchase" && this.props.amount > 10'],
  ["event.a || event.b && event.c", "this.a || this.b && this.c"],
  ["(event.a || event.b) && event.c", "(this.a || this.b) && this.c"],
  ["!event.flag", "!this.flag"],
  ["!(event.a && event.b)", "!(this.a && this.b)"],
  ["event.a + event.b * 2", "this.a + this.b * 2"],
  ["(event.a + event.b) * 2", "(this.a + this.b) * 2"],
  ["event.a - (event.b - event.c)", "this.a - (this.b - this.c)"],
  ["event.a % 7", "this.a % 7"],
  ["event.props.amount / 100", "this.props.amount / 100"],
  ["-event.delta", "0 - this.delta"],
  ['event.first + " " + event.last', 'this.first + " " + this.last'],
  ['event.type in ["purchase", "refund"]', '["purchase", "refund"].contains(this.type)'],
  [
    '"vip" in event.tags',
    'if this.tags.type() == "object" { this.tags.keys().contains("vip") } else { this.tags.contains("vip") }',
  ],
  ['"a" in {"a": 1}', '{"a": 1}.keys().contains("a")'],
  ["has(event.props.amount)", 'this.props.exists("amount")'],
  ["has(event.coupon)", 'this.exists("coupon")'],
  ['event.page.startsWith("/checkout")', 'this.page.has_prefix("/checkout")'],
  ['event.email.endsWith("@example.com")', 'this.email.has_suffix("@example.com")'],
  ['event.context.userAgent.contains("Mobile")', 'this.context.userAgent.contains("Mobile")'],
  ['event.sku.matches("^[A-Z]{3}-[0-9]+$")', 'this.sku.re_match("^[A-Z]{3}-[0-9]+$")'],
  ['matches(event.sku, "^A")', 'this.sku.re_match("^A")'],
  ["size(event.items) > 0", "this.items.length() > 0"],
  ["event.name.size()", "this.name.length()"],
  ["string(event.count)", "this.count.string()"],
  ["double(event.amount) * 1.5", "this.amount.number() * 1.5"],
  [
    "event.userId != null ? event.userId : event.anonymousId",
    "if this.userId != null { this.userId } else { this.anonymousId }",
  ],
  ['(event.a > 1 ? "big" : "small") + "!"', '(if this.a > 1 { "big" } else { "small" }) + "!"'],
  ['{"type": event.type, "n": [1, 2]}', '{"type": this.type, "n": [1, 2]}'],
  ["(event.a == event.b) == true", "(this.a == this.b) == true"],
];

const untranslated: [cel: string, reason: RegExp][] = [
  ["int(event.props.amount * 100)", /int\(\) truncates toward zero/],
  ["now", /`now`/],
  ["event.ts < now", /`now`/],
  ['event.?props.?coupon.orValue("")', /method `orValue\(\)`/],
  ["event.?props", /optional selection/],
  ["event.items.all(i, i.qty > 0)", /`all` macro/],
  ['event.items.exists(i, i.sku == "x")', /`exists` macro/],
  ["event.items.map(i, i.sku)", /`map` macro/],
  ["event.items.filter(i, i.qty > 1)", /`filter` macro/],
  ["event.props[event.field]", /dynamic index/],
  ["7 / 2", /integer division/],
  ['timestamp("2024-01-01T00:00:00Z")', /function `timestamp\(\)`/],
  ['duration("5m")', /function `duration\(\)`/],
  ["type(event.a)", /function `type\(\)`/],
  ["event.name.lowerAscii()", /method `lowerAscii\(\)`/],
  ['event.csv.split(",")', /method `split\(\)`/],
  ['b"abc"', /bytes literals/],
  ["1u", /unsigned integer/],
  ["1e30", /exponent/],
  ["other.field", /unknown variable `other`/],
  ["{1: 2}", /string-literal keys/],
  ["event.a ==", /does not parse/],
];

describe("celToBloblang", () => {
  it.each(translated)("translates %s", (cel, bloblang) => {
    expect(celToBloblang(cel)).toEqual({ ok: true, bloblang });
  });

  it.each(untranslated)("reports %s as untranslatable", (cel, reason) => {
    const result = celToBloblang(cel);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
