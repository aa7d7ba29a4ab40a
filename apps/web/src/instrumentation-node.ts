import { env } from "./server/env";

/** Refuses to serve with a broken configuration, naming the wrong variable instead of failing on the first request with a stack trace. */
export function checkConfiguration() {
  try {
    env();
  } catch (e) {
    console.error(
      `\n${e instanceof Error ? e.message : String(e)}\nSet these variables (see README.md) and start again.\n`,
    );
    process.exit(78);
  }
}
