// Runs once when the Next.js server starts. The checks need Node (process.exit), so they live in their
// own module, imported only in the Node.js runtime: the Edge bundle of this file stays free of them.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfiguration } = await import("./instrumentation-node");
    checkConfiguration();
  }
}
