/**
 * Stopping the server while a keep-alive connection (a load balancer's, a client's) is busy
 * with a request: the request finishes, and the connection does not hold the shutdown open for
 * the keep-alive timeout (72 s) — whether the response's headers went out after closing began
 * (they say `connection: close`) or before (the connection is closed once it is idle).
 */
import http from 'node:http';
import type { DbHandle } from '@goated/db';
import { deferred } from '@goated/testing';
import { createTestDb } from '@goated/testing/db';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/app';
import { loadConfig } from '../src/config';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** A GET on a keep-alive agent; `onHeaders` runs when the response's headers arrive. */
function get(url: string, agent: http.Agent, onHeaders: () => void = () => {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        onHeaders();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

describe('stopping while a keep-alive connection is busy', () => {
  let server: Server | undefined;
  let db: DbHandle | undefined;
  const agent = new http.Agent({ keepAlive: true });
  afterEach(async () => {
    agent.destroy();
    await server?.stop();
    await db?.close();
  });

  async function start(routes: (app: Server['app']) => void): Promise<string> {
    db = await createTestDb('pglite');
    server = await createServer(
      loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        SYNC_ENABLED: 'false',
        WEB_DIST: '/nonexistent',
      }),
      { db },
    );
    routes(server.app);
    return server.start();
  }

  it('finishes a response whose headers went out before, then closes its connection at once', async () => {
    const finish = deferred();
    const url = await start((app) =>
      app.get('/test/slow-body', (_req, reply) => {
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/plain' });
        reply.raw.write('first part, ');
        void finish.promise.then(() => reply.raw.end('last part'));
      }),
    );
    let stopped: Promise<number> | undefined;
    const answer = get(`${url}/test/slow-body`, agent, () => {
      const started = performance.now();
      stopped = (server as Server).stop().then(() => performance.now() - started);
      setTimeout(() => finish.resolve(), 200);
    });
    expect(await answer).toEqual({ status: 200, connection: 'keep-alive', body: 'first part, last part' });
    expect(await stopped).toBeLessThan(5_000);
  }, 20_000);

  it('answers a request that was waiting with `connection: close`, and stops at once after', async () => {
    const release = deferred();
    const arrived = deferred();
    const url = await start((app) =>
      app.get('/test/slow-start', async () => {
        arrived.resolve();
        await release.promise;
        return { ok: true };
      }),
    );
    const answer = get(`${url}/test/slow-start`, agent);
    await arrived.promise;
    const started = performance.now();
    const stopped = (server as Server).stop().then(() => performance.now() - started);
    setTimeout(() => release.resolve(), 200);
    expect(await answer).toEqual({ status: 200, connection: 'close', body: '{"ok":true}' });
    expect(await stopped).toBeLessThan(5_000);
  }, 20_000);
});
