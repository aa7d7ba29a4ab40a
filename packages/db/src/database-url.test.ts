import { describe, expect, it } from "vitest";
import { databaseName, quoteIdentifier, redactUrl, serverAddress, withDatabase } from "./database-url";
import { readDatabaseUrl } from "./env";

describe("database URLs", () => {
  const url = "postgresql://app:s%40cret@db.internal:6543/sluice?sslmode=require";

  it("reads and replaces the database name, keeping credentials and options", () => {
    expect(databaseName(url)).toBe("sluice");
    expect(withDatabase(url, "postgres")).toBe("postgresql://app:s%40cret@db.internal:6543/postgres?sslmode=require");
    expect(databaseName("postgresql://root@127.0.0.1:5432")).toBe("root");
  });

  it("never prints the password", () => {
    expect(redactUrl(url)).toBe("postgresql://app:****@db.internal:6543/sluice?sslmode=require");
    expect(serverAddress(url)).toBe("db.internal:6543");
  });

  it("quotes identifiers", () => {
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
  });
});

describe("readDatabaseUrl", () => {
  it("defaults to the local sluice database, also for an empty value", () => {
    expect(readDatabaseUrl({})).toBe("postgresql://root@127.0.0.1:5432/sluice");
    expect(readDatabaseUrl({ DATABASE_URL: "" })).toBe("postgresql://root@127.0.0.1:5432/sluice");
  });

  it("rejects URLs that are not Postgres", () => {
    expect(() => readDatabaseUrl({ DATABASE_URL: "mysql://root@localhost/x" })).toThrow(/postgres/);
  });
});
