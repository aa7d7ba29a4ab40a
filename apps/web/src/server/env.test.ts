import { afterEach, describe, expect, it, vi } from "vitest";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

describe("web env", () => {
  it("names every bad variable in one clear message", async () => {
    process.env = { ...saved, BETTER_AUTH_SECRET: "short", SLUICE_SECRET_KEY: "not-32-bytes", DATABASE_URL: "nope" };
    const { env } = await import("./env");
    expect(() => env()).toThrowError(
      /Invalid Sluice web configuration:\n(.|\n)*DATABASE_URL(.|\n)*BETTER_AUTH_SECRET: must be at least 32 characters(.|\n)*SLUICE_SECRET_KEY: must be 32 bytes/,
    );
  });

  it("accepts a complete configuration with local defaults", async () => {
    process.env = {
      ...saved,
      BETTER_AUTH_SECRET: "x".repeat(40),
      SLUICE_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
    };
    delete process.env.DATABASE_URL;
    const { env } = await import("./env");
    expect(env().DATABASE_URL).toBe("postgresql://root@127.0.0.1:5432/sluice");
  });
});
