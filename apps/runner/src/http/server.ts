// The runner's HTTP server on node:http: no framework, because ingest is a hot path and the surface
// is a handful of routes. JSON errors everywhere, bounded bodies, bounded time per request.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../log";
import { readBody } from "./body";
import { HttpError, sendJson } from "./respond";
import { createRouter, type Route } from "./router";

export type HttpServerOptions = {
  host: string;
  /** 0 picks a free port; the chosen one is in HttpServer.url. */
  port: number;
  routes: Route[];
  log: Logger;
  /** Largest request body of any route without its own limit. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Whole request, headers and body. Default 30 s. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections close after this. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Listen on its own even in a node:cluster worker (no port shared through the primary). */
  exclusive?: boolean;
};

export type HttpServer = {
  /** e.g. http://127.0.0.1:4100 (a wildcard host is shown as localhost). */
  url: string;
  port: number;
  /** Serves a connection accepted elsewhere (the supervisor's public port), as if it had accepted it. */
  accept(socket: Socket): void;
  /** Stops accepting connections, lets running requests finish, then cuts what is left after `graceMs` (default 5 s). */
  close(graceMs?: number): Promise<void>;
};

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const log = options.log.child({ module: "http" });
  const route = createRouter(options.routes);
  const defaultLimit = options.maxBodyBytes ?? 2 ** 20;

  const server: Server = createServer(
    {
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
      // Bounded headers too (Node's default, stated so nobody raises it by accident).
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      const url = new URL(req.url ?? "/", "http://runner.invalid");
      const match = route(req.method ?? "GET", url.pathname);
      if (match.kind === "not-found")
        return sendJson(res, 404, { error: "not_found", message: `no route for ${url.pathname}` });
      if (match.kind === "method-not-allowed") {
        return sendJson(
          res,
          405,
          { error: "method_not_allowed", message: `${req.method} not allowed` },
          { allow: match.allow.join(", ") },
        );
      }
      const limit = match.route.maxBodyBytes ?? defaultLimit;
      const requestLog = log.child({ method: req.method, path: match.route.path });
      Promise.resolve()
        .then(() =>
          match.route.handler({
            req,
            res,
            url,
            params: match.params,
            log: requestLog,
            body: () => readBody(req, limit),
          }),
        )
        .catch((error: unknown) => {
          if (res.headersSent) {
            requestLog.error({ err: error }, "handler failed after responding");
            res.destroy();
            return;
          }
          if (error instanceof HttpError)
            return sendJson(res, error.status, { error: error.code, message: error.message }, error.headers);
          requestLog.error({ err: error }, "handler failed");
          sendJson(res, 500, { error: "internal", message: "internal error" });
        });
    },
  );
  server.on("clientError", (err, socket) => {
    // Malformed requests and header overflows: answer 400 when still possible, never crash.
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    log.debug({ err }, "bad client request");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port, host: options.host, exclusive: options.exclusive ?? false }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  // Connections handed in (accept): the server's own count leaves them out, so closing waits for them here.
  const handed = new Set<Socket>();
  let closing = false;
  let allHandedClosed: (() => void) | undefined;
  return {
    url: serverUrl(address),
    port: address.port,
    accept(socket) {
      if (closing) {
        socket.destroy();
        return;
      }
      handed.add(socket);
      socket.once("close", () => {
        handed.delete(socket);
        if (handed.size === 0) allHandedClosed?.();
      });
      // What the server does for a connection it accepts itself (http's default noDelay), then serve it.
      socket.setNoDelay(true);
      server.emit("connection", socket);
      socket.resume();
    },
    async close(graceMs = 5000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const handedClosed = new Promise<void>((resolve) => {
        allHandedClosed = resolve;
        if (handed.size === 0) resolve();
      });
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        for (const socket of handed) socket.destroy();
      }, graceMs);
      await Promise.all([closed, handedClosed]);
      clearTimeout(timer);
    },
  };
}

/** A listening address as a URL, e.g. http://127.0.0.1:4100 (a wildcard host is shown as localhost). */
export function serverUrl(address: AddressInfo): string {
  const wildcard = address.address === "0.0.0.0" || address.address === "::";
  const host = wildcard ? "localhost" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
