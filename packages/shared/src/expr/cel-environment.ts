import { Environment } from "@marcbachmann/cel-js";

/**
 * The one CEL environment every expression is compiled in (editor, preview, runner), so an expression
 * that checks at design time behaves the same when deployed.
 *
 * Library choice: @marcbachmann/cel-js (tree-walking interpreter, zero dependencies, no eval /
 * new Function / vm in its source). See packages/shared/bench/cel-bench.mjs for the comparison with
 * cel-js (ChromeGG), which was ~17x slower per evaluation.
 */
export function createCelEnvironment(): Environment {
  const env = new Environment({
    // Events are JSON: mixed lists/maps are normal in payloads and user literals.
    homogeneousAggregateLiterals: false,
    // Lets users write `event.?props.?coupon.orValue("")` instead of has() chains.
    enableOptionalTypes: true,
    // Keep hostile or accidental giant expressions cheap to reject.
    limits: { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000 },
  })
    .registerVariable("event", "map", { description: "The event being processed" })
    .registerVariable("now", "google.protobuf.Timestamp", {
      description: "Processing time of the current batch (the same for every event in it)",
    });

  // JSON has one number type, which CEL sees as `double`, while literals like `1` are `int`. Strict CEL
  // rejects `event.props.amount + 1`; users would trip over that constantly, so mixed int/double
  // arithmetic is defined and yields a double.
  env
    .registerOperator("double + int: double", (a: number, b: bigint) => a + Number(b))
    .registerOperator("int + double: double", (a: bigint, b: number) => Number(a) + b)
    .registerOperator("double - int: double", (a: number, b: bigint) => a - Number(b))
    .registerOperator("int - double: double", (a: bigint, b: number) => Number(a) - b)
    .registerOperator("double * int: double", (a: number, b: bigint) => a * Number(b))
    .registerOperator("int * double: double", (a: bigint, b: number) => Number(a) * b)
    .registerOperator("double / int: double", (a: number, b: bigint) => a / Number(b))
    .registerOperator("int / double: double", (a: bigint, b: number) => Number(a) / b);
  return env;
}
