// Compares the two installed CEL implementations on a typical Sluice filter:
// compile once, evaluate per event, as the runner does. Run from the repo root:
//   node packages/shared/bench/cel-bench.mjs [evaluations]
// Plain .mjs so it runs under bare Node without a TS loader.
import { Environment } from "@marcbachmann/cel-js";
import { parse as chromeParse, evaluate as chromeEvaluate } from "cel-js";

const N = Number(process.argv[2] ?? 1_000_000);
const SOURCE = 'event.type == "purchase" && event.props.amount > 10';

// A rotating pool of events so the JIT cannot constant-fold one object.
const types = ["page_view", "click", "purchase", "signup"];
const events = Array.from({ length: 1024 }, (_, i) => ({
  event: { id: `e${i}`, type: types[i % 4], userId: `u${i % 97}`, props: { amount: (i * 7) % 50 } },
}));

function measure(label, compile, evaluate) {
  const t0 = performance.now();
  const compiled = compile();
  const compileMs = performance.now() - t0;
  let hits = 0;
  // Warm-up so we report steady-state throughput, as a long-running worker would see.
  for (let i = 0; i < 10_000; i++) if (evaluate(compiled, events[i & 1023])) hits++;
  hits = 0;
  const t1 = performance.now();
  for (let i = 0; i < N; i++) if (evaluate(compiled, events[i & 1023])) hits++;
  const ms = performance.now() - t1;
  console.log(
    `${label.padEnd(24)} compile ${compileMs.toFixed(2)} ms | ${N} evals in ${ms.toFixed(0)} ms` +
      ` = ${((N / ms) * 1000).toFixed(0)} evals/s, ${((ms * 1e6) / N).toFixed(0)} ns/eval (hits ${hits})`,
  );
}

const env = new Environment().registerVariable("event", "map");
measure(
  "@marcbachmann/cel-js 8",
  () => env.parse(SOURCE),
  (fn, ctx) => fn(ctx),
);
measure(
  "cel-js 0.8.2 (ChromeGG)",
  () => {
    const r = chromeParse(SOURCE);
    if (!r.isSuccess) throw new Error("parse failed");
    return r.cst;
  },
  (cst, ctx) => chromeEvaluate(cst, ctx),
);
