import Link from "next/link";
import { Logo } from "@/components/Logo";

export const metadata = { title: "JavaScript SDK" };

const code = "rounded bg-slate-100 px-1 dark:bg-slate-800";

export default function SdkDocsPage() {
  return (
    <div className="mx-auto max-w-4xl p-8">
      <Link href="/" aria-label="Sluice home">
        <Logo className="mb-8 text-xl" />
      </Link>
      <h1 className="mb-2 text-2xl font-semibold tracking-tight">JavaScript SDK</h1>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
        Send events from web pages and Node.js services to a pipeline that starts with an <strong>HTTP ingest</strong>{" "}
        node. The SDK batches events, retries with backoff when the network or Sluice is unavailable (honouring{" "}
        <code className={code}>Retry-After</code>), keeps unsent events across reloads when asked to, and flushes with a
        beacon when the page is closed. It has no dependencies; the browser bundle is under 6 KB gzipped.
      </p>
      <h2 className="mt-6 mb-2 text-lg font-semibold">1. Get a key</h2>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
        In <em>Settings → API keys</em>, create a key. For a web page, tick <em>Publishable key for browsers</em> and
        list the origins of your site (for example <code className={code}>https://shop.example.com</code>): a
        publishable key can only send events, only from those origins, and is safe to embed. Server keys are refused
        from browsers. Use the key in the HTTP ingest node of your pipeline and deploy it.
      </p>
      <h2 className="mt-6 mb-2 text-lg font-semibold">2. Add the script</h2>
      <pre className="card overflow-x-auto p-4 font-mono text-xs">{`<script src="$INGEST_URL/sdk/v1/sluice.min.js"></script>
<script>
  const sluice = Sluice.createClient({
    endpoint: "$INGEST_URL/v1/ingest/<path key of your HTTP ingest node>",
    key: "slk_…",        // a publishable key
    persist: true,        // keep unsent events across reloads
  });
  sluice.page();
  document.querySelector("#buy").addEventListener("click", () =>
    sluice.track("add_to_cart", { sku: "SK-100", amount: 49 }));
</script>`}</pre>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        <code className={code}>$INGEST_URL</code> is the public address of Sluice&apos;s ingest (the runner&apos;s port
        4100 behind your load balancer). With a bundler or in Node.js,{" "}
        <code className={code}>npm install @sluice/sdk</code> and{" "}
        <code className={code}>import {"{ createClient }"} from &quot;@sluice/sdk&quot;</code>.
      </p>
      <h2 className="mt-6 mb-2 text-lg font-semibold">3. Calls</h2>
      <ul className="list-disc space-y-1 pl-6 text-sm text-slate-600 dark:text-slate-400">
        <li>
          <code className={code}>track(type, props)</code> — any event; <code className={code}>page()</code> — a{" "}
          <code className={code}>page_view</code> with the page&apos;s URL, title and referrer;{" "}
          <code className={code}>identify(userId, traits)</code> — later events carry the user id.
        </li>
        <li>
          Every event gets an <code className={code}>id</code> (reused on retries, so a <em>Dedup</em> node removes
          repeats), a <code className={code}>timestamp</code>, an <code className={code}>anonymousId</code> kept per
          browser and a <code className={code}>sessionId</code> (new after 30 minutes of inactivity).
        </li>
        <li>
          <code className={code}>setConsent(false)</code> stops tracking and discards queued events;{" "}
          <code className={code}>reset()</code> forgets the user on sign-out; <code className={code}>flush()</code>{" "}
          sends now; <code className={code}>stats()</code> counts sent, failed, dropped and queued events.
        </li>
        <li>
          Options: <code className={code}>maxBatchEvents</code> (20), <code className={code}>flushIntervalMs</code>{" "}
          (1000), <code className={code}>maxQueueEvents</code> (1000, oldest dropped beyond it),{" "}
          <code className={code}>collectContext</code> (true), <code className={code}>onError</code>.
        </li>
      </ul>
    </div>
  );
}
