import "server-only";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../routers/_app";
import { httpError } from "../trpc/errors";
import { createCallerFactory, createContext } from "../trpc/init";
import { matchRoute } from "./routes";
import { authenticateToken } from "./token-auth";
import { readBodyLimited } from "../body-limit";

const createCaller = createCallerFactory(appRouter);

function problem(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** Serialises dates and bigints the way JSON clients expect. */
function json(data: unknown, status = 200) {
  const body = JSON.stringify(data ?? null, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}

export async function handlePublicApi(req: Request, path: string): Promise<Response> {
  const match = matchRoute(req.method, path);
  if (!match) return problem(404, "NOT_FOUND", `No API route ${req.method} /api/v1${path}. See /api/openapi.json.`);
  if ("allowed" in match)
    return problem(405, "METHOD_NOT_ALLOWED", `Use ${match.allowed.join(", ")}.`, { allow: match.allowed.join(", ") });

  const token = await authenticateToken(req.headers.get("authorization"));
  if (!token)
    return problem(401, "UNAUTHORIZED", "Send a valid personal access token: Authorization: Bearer slp_…", {
      "www-authenticate": "Bearer",
    });

  let body: unknown = undefined;
  if (match.route.body) {
    const bytes = await readBodyLimited(req);
    if (bytes instanceof Response) return bytes;
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      body = text ? JSON.parse(text) : {};
    } catch {
      return problem(400, "BAD_REQUEST", "The body is not valid JSON.");
    }
    // Documents are validated with their own (clearer) messages by the procedure.
    if (match.route.procedure !== "pipeline.importDocument") {
      const parsed = match.route.body.safeParse(body);
      if (!parsed.success) {
        return problem(
          400,
          "BAD_REQUEST",
          parsed.error.issues
            .slice(0, 20)
            .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
            .join("\n"),
        );
      }
      body = parsed.data;
    }
  }

  const ctx = await createContext({ headers: req.headers, token });
  const caller = createCaller(ctx);
  let fn: unknown = caller;
  for (const seg of match.route.procedure.split(".")) fn = (fn as Record<string, unknown>)[seg];
  try {
    const result = await (fn as (input: unknown) => Promise<unknown>)({
      ...match.route.input(match.params, body),
      workspaceId: token.workspaceId,
    });
    return json(result, req.method === "POST" && match.route.procedure !== "deployment.stop" ? 201 : 200);
  } catch (e) {
    if (e instanceof TRPCError) {
      const { status, code, message } = httpError(e);
      return problem(status, code, message);
    }
    throw e;
  }
}
