// A TCP proxy in front of a service, under the test's control: `slow()` stops forwarding bytes in both
// directions (connections stay open, queries hang), `down()` closes every connection and refuses new
// ones, `heal()` returns to normal.
import { createServer, connect, type Server, type Socket } from "node:net";

export type TcpProxy = {
  port: number;
  /** Connections currently open through the proxy. */
  connections(): number;
  slow(): void;
  down(): void;
  heal(): void;
  close(): Promise<void>;
};

type Pair = { client: Socket; upstream: Socket };

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: "normal" | "slow" | "down" = "normal";

  // Unpiped and paused, a socket buffers what arrives and forwards nothing (pipe() would resume it on drain).
  const setPaused = (pair: Pair, paused: boolean) => {
    if (paused) {
      pair.client.unpipe(pair.upstream).pause();
      pair.upstream.unpipe(pair.client).pause();
    } else {
      pair.client.pipe(pair.upstream);
      pair.upstream.pipe(pair.client);
    }
  };

  const server: Server = createServer((client) => {
    if (mode === "down") {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    setPaused(pair, mode === "slow");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  const proxy: TcpProxy = {
    port,
    connections: () => pairs.size,
    slow() {
      mode = "slow";
      for (const pair of pairs) setPaused(pair, true);
    },
    down() {
      mode = "down";
      for (const pair of [...pairs]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    heal() {
      mode = "normal";
      for (const pair of pairs) setPaused(pair, false);
    },
    async close() {
      proxy.down();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
