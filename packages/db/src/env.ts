// The only place this package reads process.env.
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "./database-url";

const DbEnv = z.object({
  DATABASE_URL: z.preprocess(
    // An empty DATABASE_URL= line in a shell or .env means "unset", not "connect to nothing".
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL")
      .default(DEFAULT_DATABASE_URL),
  ),
});
type DbEnv = z.infer<typeof DbEnv>;

/** DATABASE_URL, default postgresql://root@127.0.0.1:5432/sluice. */
export function readDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const parsed: DbEnv = DbEnv.parse({ DATABASE_URL: env["DATABASE_URL"] });
  return parsed.DATABASE_URL;
}
