// Prints one scenario's figures and checks.
import type { ScenarioResult } from "./harness";

export function printResult(result: ScenarioResult, seconds: number): void {
  console.log(`[chaos] ${result.name}: ${Math.round(seconds)} s`);
  for (const [key, value] of Object.entries(result.figures)) console.log(`[chaos]   ${key}: ${value}`);
  for (const check of result.checks)
    console.log(`[chaos]   ${check.ok ? "PASS" : "FAIL"} ${check.name} — ${check.detail}`);
}
