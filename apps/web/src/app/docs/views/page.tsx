import Link from "next/link";
import { Logo } from "@/components/Logo";

export const metadata = { title: "Views API" };

const code = "rounded bg-slate-100 px-1 dark:bg-slate-800";
const text = "mb-4 text-sm text-slate-600 dark:text-slate-400";

export default function ViewsDocsPage() {
  return (
    <div className="mx-auto max-w-4xl p-8">
      <Link href="/" aria-label="Sluice home">
        <Logo className="mb-8 text-xl" />
      </Link>
      <h1 className="mb-2 text-2xl font-semibold tracking-tight">Views API</h1>
      <p className={text}>
        Read what your pipelines maintain from your own backend: the latest window results a <strong>PostgreSQL</strong>{" "}
        sink upserts, or the counters, hashes and leaderboards a <strong>Redis</strong> sink keeps. A product page can
        show &quot;trending now&quot; straight from Sluice.
      </p>
      <h2 className="mt-6 mb-2 text-lg font-semibold">1. Serve a sink as a view</h2>
      <p className={text}>
        Open the sink in the pipeline editor and give it a name under <em>Serve as view</em> (lower-case letters,
        digits, <code className={code}>-</code> and <code className={code}>_</code>). Names are unique among the
        workspace&apos;s running pipelines. For PostgreSQL, <em>View key column</em> is the column{" "}
        <code className={code}>?key=</code> is matched against (default: the first key column) and{" "}
        <em>View newest first by</em> orders several rows per key (for example{" "}
        <code className={code}>window_start</code>). Publish and deploy: the view is served while the pipeline runs.
      </p>
      <h2 className="mt-6 mb-2 text-lg font-semibold">2. Get a read key</h2>
      <p className={text}>
        In <em>Settings → API keys</em>, create a key of kind <em>Read</em> (it starts with{" "}
        <code className={code}>slr_</code>). Read keys only read views and ingest keys only send events. Read keys are
        server keys: requests from browsers are refused, so call views from your backend. A key limited to one pipeline
        reads only that pipeline&apos;s views.
      </p>
      <h2 className="mt-6 mb-2 text-lg font-semibold">3. Read</h2>
      <pre className="card overflow-x-auto p-4 font-mono text-xs">{`curl -H "x-api-key: slr_…" "$INGEST_URL/v1/views/page-counts?key=/home&limit=2"
{"view":"page-counts","key":"/home","rows":[
  {"page":"/home","window_start":"2026-03-01T10:01:00.000Z","events":3},
  {"page":"/home","window_start":"2026-03-01T10:00:00.000Z","events":5}]}

curl -H "x-api-key: slr_…" "$INGEST_URL/v1/views/trending?key=2026-03-01T10:00:00.000Z&top=3"
{"view":"trending","key":"2026-03-01T10:00:00.000Z","top":[{"member":"/home","score":5},{"member":"/pricing","score":2}]}`}</pre>
      <ul className="mt-4 list-disc space-y-1 pl-6 text-sm text-slate-600 dark:text-slate-400">
        <li>
          <strong>PostgreSQL:</strong> <code className={code}>?key=</code> (required) and{" "}
          <code className={code}>?limit=</code> (1–100, default 1). The answer&apos;s <code className={code}>rows</code>{" "}
          hold exactly the columns the sink writes.
        </li>
        <li>
          <strong>Redis:</strong> <code className={code}>?key=</code> fills the placeholder of the sink&apos;s key
          template (with several placeholders, pass each by its field path, e.g.{" "}
          <code className={code}>?eventType=click&amp;windowStart=…</code>). A hash answers{" "}
          <code className={code}>fields</code> (or one <code className={code}>value</code> with{" "}
          <code className={code}>?field=</code>), a counter <code className={code}>value</code>, a sorted set its{" "}
          <code className={code}>top</code> members by score (<code className={code}>?top=</code> 1–1000, default 10).
        </li>
        <li>
          Answers: 200 JSON; 404 for a view or key that does not exist (including every view of another workspace); 400
          for missing or unknown parameters; 401 for a missing, unknown or revoked key; 403 for an ingest key or a
          browser request; 429 with <code className={code}>Retry-After</code> beyond the key&apos;s rate (1000 requests
          per second per runner by default); 503 with <code className={code}>Retry-After</code> when the store cannot be
          read.
        </li>
      </ul>
    </div>
  );
}
