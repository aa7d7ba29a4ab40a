import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, moduleLogger } from "./log";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes JSON with the module and never a secret", () => {
    const { lines, destination } = capture();
    const log = moduleLogger(createLogger({ destination, base: { runnerId: "r1" } }), "ingest");
    log.info(
      {
        req: { headers: { "x-api-key": "sk_live", authorization: "Bearer t", host: "h" } },
        connector: { config: { password: "pw", secret: "s", url: "u" } },
        SLUICE_SECRET_KEY: "k",
      },
      "request",
    );
    const [line] = lines;
    expect(line).toMatchObject({ level: "info", service: "runner", runnerId: "r1", module: "ingest", msg: "request" });
    expect(JSON.stringify(line)).not.toMatch(/sk_live|Bearer t|"pw"|"s"|"k"/);
    expect(line).toMatchObject({
      req: { headers: { "x-api-key": "[redacted]", authorization: "[redacted]", host: "h" } },
      connector: { config: { password: "[redacted]", secret: "[redacted]", url: "u" } },
    });
  });
});
