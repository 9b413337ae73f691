/**
 * Who may read `/metrics` (request counts, pool usage, heap: an attacker's map of the system).
 * One of:
 * - `METRICS_TOKEN`: `Authorization: Bearer <token>` on every scrape;
 * - `METRICS_PORT` (and `METRICS_HOST`, default 127.0.0.1): a listener of its own, not the
 *   public port;
 * - neither: only a direct connection from this machine (loopback, and no `X-Forwarded-For`, so
 *   nothing relayed by a proxy in front) — the public port answers 404 to everyone else.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface MetricsAccess {
  token: string | undefined;
  /** A listener of its own; the public port then serves no `/metrics`. */
  listen: { host: string; port: number } | undefined;
}

export type MetricsVerdict = 'allowed' | 'unauthorized' | 'hidden';

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** The decision for one scrape: a token if there is one, else a direct local connection. */
export function metricsVerdict(access: MetricsAccess, req: IncomingMessage): MetricsVerdict {
  if (access.token) return tokenMatches(req.headers.authorization, access.token) ? 'allowed' : 'unauthorized';
  if (access.listen) return 'allowed';
  const direct = isLoopback(req.socket.remoteAddress) && req.headers['x-forwarded-for'] === undefined;
  return direct ? 'allowed' : 'hidden';
}

/** The separate metrics listener (`METRICS_PORT`): `/metrics` and nothing else. */
export async function startMetricsListener(
  access: MetricsAccess & { listen: { host: string; port: number } },
  registry: Registry,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const verdict = metricsVerdict(access, req);
    if (verdict !== 'allowed') {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(access.listen.port, access.listen.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : access.listen.port;
  return {
    url: `http://${access.listen.host.includes(':') ? `[${access.listen.host}]` : access.listen.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
