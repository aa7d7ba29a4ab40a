import "server-only";
import { z } from "zod";
import { publicRoutes } from "./routes";

const ErrorBody = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" } },
      required: ["code", "message"],
    },
  },
} as const;

/** OpenAPI 3.1 description of the public API, generated from the same route table that serves it. */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of publicRoutes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = {
      operationId: r.procedure.replace(".", "_"),
      summary: r.summary,
      parameters: params,
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                "application/json": { schema: z.toJSONSchema(r.body, { io: "input", unrepresentable: "any" }) },
              },
            },
          }
        : {}),
      responses: {
        [r.method === "POST" && r.procedure !== "deployment.stop" ? "201" : "200"]: {
          description: "Success",
          content: { "application/json": { schema: {} } },
        },
        "400": { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
        "401": { description: "Missing or invalid token", content: { "application/json": { schema: ErrorBody } } },
        "403": { description: "Your role does not allow this", content: { "application/json": { schema: ErrorBody } } },
        "404": {
          description: "Not found (or not in the token's workspace)",
          content: { "application/json": { schema: ErrorBody } },
        },
        "409": { description: "Conflict (stale baseRevision)", content: { "application/json": { schema: ErrorBody } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Sluice API",
      version: "1",
      description:
        "Manage pipelines from CI/GitOps. Authenticate with a personal access token (Account → Tokens): `Authorization: Bearer slp_…`. A token acts in its workspace with its user's current role.",
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}
