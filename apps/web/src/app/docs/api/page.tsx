import Link from "next/link";
import { Logo } from "@/components/Logo";
import { publicRoutes } from "@/server/public-api/routes";

export const metadata = { title: "HTTP API" };

const methodColor: Record<string, string> = {
  GET: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  POST: "bg-brand-100 text-brand-800 dark:bg-brand-900/40 dark:text-brand-200",
  PUT: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
};

export default function ApiDocsPage() {
  return (
    <div className="mx-auto max-w-4xl p-8">
      <Link href="/" aria-label="Sluice home">
        <Logo className="mb-8 text-xl" />
      </Link>
      <h1 className="mb-2 text-2xl font-semibold tracking-tight">HTTP API</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-400">
        Manage pipelines from CI or GitOps. Create a personal access token under{" "}
        <Link className="text-brand-600 hover:underline" href="/account">
          Account
        </Link>
        ; it belongs to one workspace and acts with your current role there. Send it as{" "}
        <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">Authorization: Bearer slp_…</code>. The
        machine-readable description is at{" "}
        <a className="text-brand-600 hover:underline" href="/api/openapi.json">
          /api/openapi.json
        </a>{" "}
        (OpenAPI 3.1).
      </p>
      <div className="card divide-y divide-slate-200 dark:divide-slate-800">
        {publicRoutes.map((r) => (
          <div key={`${r.method} ${r.path}`} className="flex items-center gap-3 px-4 py-3">
            <span
              className={`w-14 rounded px-2 py-0.5 text-center font-mono text-xs font-semibold ${methodColor[r.method]}`}
            >
              {r.method}
            </span>
            <code className="font-mono text-sm">/api/v1{r.path}</code>
            <span className="ml-auto text-sm text-slate-500">{r.summary}</span>
          </div>
        ))}
      </div>
      <h2 className="mt-8 mb-2 text-lg font-semibold">Example</h2>
      <pre className="card overflow-x-auto p-4 font-mono text-xs">{`# export a pipeline, edit it in git, then publish and deploy
curl -H "Authorization: Bearer $SLUICE_TOKEN" $SLUICE_URL/api/v1/pipelines/$ID/export > pipeline.json
curl -X PUT -H "Authorization: Bearer $SLUICE_TOKEN" -H "content-type: application/json" \\
     -d '{"graph": ..., "baseRevision": 3}' $SLUICE_URL/api/v1/pipelines/$ID/draft
curl -X POST -H "Authorization: Bearer $SLUICE_TOKEN" -H "content-type: application/json" \\
     -d '{"message": "from CI", "baseRevision": 4}' $SLUICE_URL/api/v1/pipelines/$ID/versions`}</pre>
    </div>
  );
}
