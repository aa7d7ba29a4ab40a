import "server-only";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { APIError, createAuthMiddleware, getIP } from "better-auth/api";
import { getPrisma } from "@sluice/db";
import { env } from "./env";
import {
  accountTag,
  clearSignInAttempts,
  KNOWN_DEVICE_COOKIE,
  signInTiers,
  takeSignInAttempt,
} from "./sign-in-throttle";
import { singleton } from "./singleton";

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
      // (see README "Production"); the per-account tier of sign-in-throttle.ts holds even if it is forged.
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-in/email") return;
        const email = typeof ctx.body?.email === "string" ? ctx.body.email : "";
        if (!email) return;
        const knownDevice =
          (await ctx.getSignedCookie(KNOWN_DEVICE_COOKIE, e.BETTER_AUTH_SECRET)) === accountTag(email);
        const ip = ctx.headers ? getIP(ctx.headers, ctx.context.options) : null;
        const waitMs = await takeSignInAttempt(signInTiers(email, { knownDevice, ip }));
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          throw new APIError(
            "TOO_MANY_REQUESTS",
            { message: `Too many sign-in attempts for this account. Try again in ${seconds} s.` },
            { "retry-after": String(seconds) },
          );
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        // Signed in: the counts reset, and this browser becomes a known device of the account, which
        // other people's failed attempts never slow down (see sign-in-throttle.ts).
        if ((ctx.path === "/sign-in/email" || ctx.path === "/sign-up/email") && ctx.context.newSession) {
          const email = ctx.context.newSession.user.email;
          const ip = ctx.headers ? getIP(ctx.headers, ctx.context.options) : null;
          await clearSignInAttempts([
            ...signInTiers(email, { knownDevice: true, ip }),
            ...signInTiers(email, { knownDevice: false, ip }),
          ]);
          await ctx.setSignedCookie(KNOWN_DEVICE_COOKIE, accountTag(email), e.BETTER_AUTH_SECRET, {
            httpOnly: true,
            sameSite: "lax",
            secure: e.APP_URL.startsWith("https://"),
            path: "/",
            maxAge: 365 * 24 * 3600,
          });
        }
      }),
    },
    plugins: [nextCookies()],
  });
}

/** One better-auth instance per process. */
export const auth = singleton("auth", createAuth);

export type SessionUser = { id: string; email: string; name: string };

export async function getSessionUser(headers: Headers): Promise<{ user: SessionUser; sessionId: string } | null> {
  const s = await auth().api.getSession({ headers });
  if (!s) return null;
  return { user: { id: s.user.id, email: s.user.email, name: s.user.name }, sessionId: s.session.id };
}
