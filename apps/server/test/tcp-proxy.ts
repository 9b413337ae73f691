import net from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Connections made through it since it started. */
  connections: number;
  /**
   * Every open connection goes silent in both directions without closing — what a dead
   * peer, a pulled cable or a NAT that forgot the mapping looks like: no FIN, no close frame.
   */
  blackhole(): void;
  /** While on, new connections are reset at once (the network is down). */
  refuse(on: boolean): void;
  /** Every open connection is cut (RST both ways), as when a network path drops. */
  sever(): void;
  /** New connections go to `target` from now on (as a load balancer moving to another instance). */
  retarget(target: URL): void;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `target`, to break connections in controlled ways. */
export async function startTcpProxy(target: URL): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const silenced: net.Socket[] = [];
  let refusing = false;
  let current = target;
  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(current.port), current.hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    proxy.connections++;
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    connections: 0,
    blackhole() {
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        silenced.push(client, upstream);
      }
      pairs.clear();
    },
    refuse(on) {
      refusing = on;
    },
    retarget(next) {
      current = next;
    },
    sever() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        for (const socket of silenced) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
