import "server-only";
import type { z } from "zod";
import { PipelineDocument } from "@sluice/shared";
import { DeployInput } from "../routers/deployment";
import { SaveDraftInput, UpdateSettingsInput } from "../routers/pipeline";
import { PublishInput } from "../routers/version";

/**
 * The public HTTP API (for CI/GitOps) is a thin map onto the same tRPC procedures the app uses, so
 * validation, scopes, tenancy and audit are shared, not re-implemented. The workspace is the one
 * the personal access token belongs to.
 */
export type PublicRoute = {
  method: "GET" | "POST" | "PUT";
  /** OpenAPI-style path under /api/v1, e.g. `/pipelines/{pipelineId}`. */
  path: string;
  procedure: string;
  summary: string;
  /** Request body schema (JSON), if any. */
  body?: z.ZodType;
  /** Builds the procedure input from path params and body (the workspace id is added by the caller). */
  input: (params: Record<string, string>, body: unknown) => Record<string, unknown>;
};

// Bodies are the procedures' own input schemas, less what the path carries.
const Draft = SaveDraftInput.omit({ pipelineId: true });
const Publish = PublishInput.omit({ pipelineId: true });
const Deploy = DeployInput.omit({ pipelineId: true });

const obj = (b: unknown) => (typeof b === "object" && b !== null ? (b as Record<string, unknown>) : {});

export const publicRoutes: PublicRoute[] = [
  { method: "GET", path: "/pipelines", procedure: "pipeline.list", summary: "List pipelines", input: () => ({}) },
  {
    method: "POST",
    path: "/pipelines",
    procedure: "pipeline.importDocument",
    summary: "Create a pipeline from an exported document",
    body: PipelineDocument,
    input: (_p, body) => ({ document: body }),
  },
  {
    method: "GET",
    path: "/pipelines/{pipelineId}",
    procedure: "pipeline.get",
    summary: "Get a pipeline with its draft",
    input: (p) => ({ pipelineId: p.pipelineId }),
  },
  {
    method: "PUT",
    path: "/pipelines/{pipelineId}/draft",
    procedure: "pipeline.saveDraft",
    summary: "Replace the draft (optimistic concurrency on baseRevision)",
    body: Draft,
    input: (p, body) => ({ ...obj(body), pipelineId: p.pipelineId }),
  },
  {
    method: "PUT",
    path: "/pipelines/{pipelineId}/settings",
    procedure: "pipeline.updateSettings",
    summary: "Replace the pipeline's topic and batch settings (used by the next deploy)",
    body: UpdateSettingsInput.shape.settings,
    input: (p, body) => ({ settings: body, pipelineId: p.pipelineId }),
  },
  {
    method: "GET",
    path: "/pipelines/{pipelineId}/export",
    procedure: "pipeline.exportDocument",
    summary: "Export the draft as a document",
    input: (p) => ({ pipelineId: p.pipelineId }),
  },
  {
    method: "GET",
    path: "/pipelines/{pipelineId}/versions",
    procedure: "version.list",
    summary: "List published versions",
    input: (p) => ({ pipelineId: p.pipelineId }),
  },
  {
    method: "POST",
    path: "/pipelines/{pipelineId}/versions",
    procedure: "version.publish",
    summary: "Publish the draft as a new immutable version",
    body: Publish,
    input: (p, body) => ({ ...obj(body), pipelineId: p.pipelineId }),
  },
  {
    method: "POST",
    path: "/pipelines/{pipelineId}/deploy",
    procedure: "deployment.deploy",
    summary: "Deploy (or redeploy) a published version",
    body: Deploy,
    input: (p, body) => ({ ...obj(body), pipelineId: p.pipelineId }),
  },
  {
    method: "POST",
    path: "/pipelines/{pipelineId}/stop",
    procedure: "deployment.stop",
    summary: "Stop the pipeline (offsets are kept)",
    input: (p) => ({ pipelineId: p.pipelineId }),
  },
  {
    method: "GET",
    path: "/pipelines/{pipelineId}/status",
    procedure: "deployment.status",
    summary: "Deployment status per pipeline and node",
    input: (p) => ({ pipelineId: p.pipelineId }),
  },
];

/** Matches a request path (below /api/v1) against the table; returns the route and path params. */
export function matchRoute(
  method: string,
  path: string,
): { route: PublicRoute; params: Record<string, string> } | { allowed: string[] } | null {
  const segs = path.split("/").filter(Boolean);
  const allowed: string[] = [];
  for (const route of publicRoutes) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== segs.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      const m = p.match(/^\{(\w+)\}$/);
      if (m) {
        params[m[1]!] = decodeURIComponent(segs[i]!);
        return true;
      }
      return p === segs[i];
    });
    if (!ok) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : null;
}
