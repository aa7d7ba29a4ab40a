import type { JsonObject } from "../events/json-value";
import type { Random } from "../hash/seeded-random";

/** Realistic-looking building blocks for synthetic clickstreams. */

export const PAGES = [
  { path: "/", title: "Home" },
  { path: "/pricing", title: "Pricing" },
  { path: "/docs", title: "Documentation" },
  { path: "/docs/getting-started", title: "Getting started" },
  { path: "/blog/event-time-explained", title: "Event time, explained" },
  { path: "/products/stream-kit", title: "Stream Kit" },
  { path: "/products/sensor-pack", title: "Sensor Pack" },
  { path: "/cart", title: "Cart" },
  { path: "/checkout", title: "Checkout" },
] as const;

export const REFERRERS = [
  "https://www.google.com/",
  "https://news.ycombinator.com/",
  "https://twitter.com/",
  "",
  "",
] as const;

const PRODUCTS = [
  { sku: "SK-100", name: "Stream Kit", price: 49 },
  { sku: "SP-220", name: "Sensor Pack", price: 129 },
  { sku: "CB-010", name: "Cable Bundle", price: 12.5 },
  { sku: "PRO-1Y", name: "Pro plan (1 year)", price: 990 },
] as const;

const USER_AGENTS = {
  desktop:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  mobile:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  tablet: "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
} as const;

const COUNTRIES = ["US", "DE", "GB", "FR", "IN", "BR", "JP", "CA"] as const;
const LOCALES: Record<(typeof COUNTRIES)[number], string> = {
  US: "en-US",
  DE: "de-DE",
  GB: "en-GB",
  FR: "fr-FR",
  IN: "en-IN",
  BR: "pt-BR",
  JP: "ja-JP",
  CA: "en-CA",
};

export type SyntheticUser = {
  userId: string | null;
  anonymousId: string;
  email: string;
  country: string;
  locale: string;
  device: keyof typeof USER_AGENTS;
  userAgent: string;
  ip: string;
};

/** Stable attributes of user number `index`, drawn from its own random stream. */
export function syntheticUser(index: number, random: Random): SyntheticUser {
  const country = random.pick(COUNTRIES);
  const device = random.weighted(["desktop", "mobile", "tablet"] as const, [55, 40, 5]);
  const known = random.next() >= 0.15; // ~15% never sign in
  const id = String(index).padStart(6, "0");
  return {
    userId: known ? `u_${id}` : null,
    anonymousId: `anon_${((index * 2654435761) >>> 0).toString(16).padStart(8, "0")}`,
    email: `user${id}@example.com`,
    country,
    locale: LOCALES[country],
    device,
    userAgent: USER_AGENTS[device],
    ip: `${1 + random.int(223)}.${random.int(256)}.${random.int(256)}.${1 + random.int(254)}`,
  };
}

/** Props typical for an event type; unknown custom types get none. */
export function syntheticProps(type: string, user: SyntheticUser, random: Random, eventIndex: number): JsonObject {
  switch (type) {
    case "click":
      return { element: random.pick(["button#signup", "a.nav-pricing", "button#add-to-cart", "a.docs-link"]) };
    case "add_to_cart": {
      const product = random.pick(PRODUCTS);
      return { sku: product.sku, name: product.name, price: product.price, quantity: 1 + random.int(3) };
    }
    case "purchase": {
      const product = random.pick(PRODUCTS);
      const quantity = 1 + random.int(2);
      return {
        orderId: `ord_${eventIndex.toString(36)}`,
        amount: Math.round(product.price * quantity * 100) / 100,
        currency: "USD",
        items: [{ sku: product.sku, quantity }],
        email: user.email,
      };
    }
    case "signup":
      return {
        plan: random.weighted(["free", "team", "enterprise"], [80, 17, 3]),
        method: random.pick(["email", "google", "github"]),
        email: user.email,
      };
    default:
      return {};
  }
}
