import "server-only";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { getPrisma } from "@sluice/db";
import { env } from "./env";
import { redis } from "./redis";

/** Sign-in attempts allowed per account per window, whatever address they come from. */
const ACCOUNT_ATTEMPTS = 10;
const ACCOUNT_WINDOW_S = 15 * 60;
const attemptsKey = (email: string) => `sluice:auth:signin:${email.trim().toLowerCase()}`;

function createAuth() {
  const e = env();
  return betterAuth({
    appName: "Sluice",
    baseURL: e.APP_URL,
    secret: e.BETTER_AUTH_SECRET,
    database: prismaAdapter(getPrisma(), { provider: "postgresql" }),
    // Origins allowed to make state-changing auth requests (better-auth's CSRF check).
    trustedOrigins: [e.APP_URL],
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 10,
      maxPasswordLength: 256,
      autoSignIn: true,
      // Resetting a password signs the user out on every device.
      revokeSessionsOnPasswordReset: true,
    },
    session: {
      expiresIn: 60 * 60 * 24 * 7,
      updateAge: 60 * 60 * 24,
      // No cookie cache: a revoked session (sign-out everywhere) stops working on the next request.
      cookieCache: { enabled: false },
    },
    rateLimit: {
      enabled: true,
      storage: "database",
      modelName: "rateLimit",
      window: 60,
      max: 120,
      customRules: {
        "/sign-in/email": { window: 60, max: 5 },
        "/sign-up/email": { window: 60, max: 5 },
      },
    },
    advanced: {
      useSecureCookies: e.APP_URL.startsWith("https://"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      // Per-address limits key on X-Forwarded-For, which only a trusted reverse proxy can vouch for
      // (see README "Production"); the per-account limit below holds even if it is forged.
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-in/email") return;
        const email = typeof ctx.body?.email === "string" ? ctx.body.email : "";
        if (!email) return;
        const key = attemptsKey(email);
        const n = await redis().incr(key);
        if (n === 1) await redis().expire(key, ACCOUNT_WINDOW_S);
        if (n > ACCOUNT_ATTEMPTS) throw new APIError("TOO_MANY_REQUESTS", { message: "Too many sign-in attempts for this account. Try again later." });
      }),
      after: createAuthMiddleware(async (ctx) => {
        // A successful sign-in clears the account's counter.
        if (ctx.path === "/sign-in/email" && ctx.context.newSession) {
          await redis().del(attemptsKey(ctx.context.newSession.user.email));
        }
      }),
    },
    plugins: [nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const g = globalThis as unknown as { sluiceAuth?: Auth };

/** One better-auth instance per process (kept on globalThis so dev reloads don't multiply it). */
export function auth(): Auth {
  g.sluiceAuth ??= createAuth();
  return g.sluiceAuth;
}

export type SessionUser = { id: string; email: string; name: string };

export async function getSessionUser(headers: Headers): Promise<{ user: SessionUser; sessionId: string } | null> {
  const s = await auth().api.getSession({ headers });
  if (!s) return null;
  return { user: { id: s.user.id, email: s.user.email, name: s.user.name }, sessionId: s.session.id };
}
