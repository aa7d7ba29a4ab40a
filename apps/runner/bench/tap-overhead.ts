// Cost of the live-tap hook on the hot path when no tap is watched (the common case): one call per
// node per batch. Usage: node --import tsx apps/runner/bench/tap-overhead.ts [--calls 5000000]
import { tapOutputs } from "../src/observe/tap";

const arg = process.argv.indexOf("--calls");
const calls = arg > 0 ? Number(process.argv[arg + 1]) : 5_000_000;
const records = Array.from({ length: 500 }, (_, i) => ({ id: `e${i}` }));
for (let i = 0; i < 100_000; i++) tapOutputs(undefined, "p", "n", "out", records);
const started = process.hrtime.bigint();
for (let i = 0; i < calls; i++) tapOutputs(undefined, "p", "n", "out", records);
const ns = Number(process.hrtime.bigint() - started) / calls;
console.log(
  `tapOutputs with no active tap: ${ns.toFixed(1)} ns per call (a 500-record batch), ${(ns / 500).toFixed(3)} ns per record`,
);
