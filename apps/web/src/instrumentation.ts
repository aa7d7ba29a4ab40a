// Runs once when the Next.js server starts: refuse to serve with a broken configuration, and say
// exactly which variable is wrong instead of failing on the first request with a stack trace.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("./server/env");
  try {
    env();
  } catch (e) {
    console.error(`\n${e instanceof Error ? e.message : String(e)}\nSet these variables (see README.md) and start again.\n`);
    process.exit(78);
  }
}
