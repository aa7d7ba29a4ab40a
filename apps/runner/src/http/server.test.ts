import { type AddressInfo, createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { sendJson, HttpError } from "./respond";
import { startHttpServer, type HttpServer } from "./server";

describe("http server", () => {
  let server: HttpServer;

  beforeAll(async () => {
    server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      log: pino({ level: "silent" }),
      maxBodyBytes: 64,
      routes: [
        {
          method: "POST",
          path: "/v1/echo/:key",
          maxBodyBytes: 16,
          async handler({ res, params, body }) {
            sendJson(res, 200, { key: params["key"], body: (await body()).toString() });
          },
        },
        { method: "GET", path: "/v1/echo/:key", handler: ({ res }) => sendJson(res, 200, {}) },
        {
          method: "GET",
          path: "/boom",
          handler() {
            throw new Error("secret internals");
          },
        },
        {
          method: "GET",
          path: "/teapot",
          handler() {
            throw new HttpError(418, "teapot", "short and stout", { "retry-after": "1" });
          },
        },
      ],
    });
  });

  afterAll(() => server.close());

  it("routes by method and path, with decoded params", async () => {
    const res = await fetch(`${server.url}/v1/echo/a%20b`, { method: "POST", body: "hello" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ key: "a b", body: "hello" });
  });

  it("answers 404 and 405 as JSON", async () => {
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
    const wrongMethod = await fetch(`${server.url}/v1/echo/x`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST, GET");
  });

  it("refuses bodies over the route's limit with 413", async () => {
    const res = await fetch(`${server.url}/v1/echo/x`, { method: "POST", body: "x".repeat(17) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "payload_too_large" });
  });

  it("refuses a streamed body that grows past the limit", async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("0123456789"));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/v1/echo/x`, { method: "POST", body: chunks, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
  });

  it("hides handler errors behind a 500 and passes HttpErrors through", async () => {
    const boom = await fetch(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).not.toContain("secret internals");
    const teapot = await fetch(`${server.url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get("retry-after")).toBe("1");
    expect(await teapot.json()).toEqual({ error: "teapot", message: "short and stout" });
  });
});

describe("http server: connections accepted elsewhere (the supervisor's public port)", () => {
  it("serves a handed socket, and closing waits for its request before it returns", async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      log: pino({ level: "silent" }),
      routes: [
        { method: "GET", path: "/fast", handler: ({ res }) => sendJson(res, 200, { ok: true }) },
        {
          method: "GET",
          path: "/slow",
          async handler({ res }) {
            await slow;
            sendJson(res, 200, { slow: true });
          },
        },
      ],
    });
    // A front that accepts paused and hands every socket over, as the supervisor does.
    const front = createServer({ pauseOnConnect: true }, (socket) => server.accept(socket));
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${url}/fast`)).json()).toEqual({ ok: true });
      const pending = fetch(`${url}/slow`, { headers: { connection: "close" } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      let closed = false;
      const closing = server.close(5000).then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(closed).toBe(false);
      release();
      expect(await (await pending).json()).toEqual({ slow: true });
      await closing;
      expect(closed).toBe(true);
    } finally {
      release();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });
});
