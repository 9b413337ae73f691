/**
 * The client's own behaviour: it reports an incompatible server once, names the address when
 * nothing answers, and the server keeps `version` public in `health.status` (the check needs it
 * from anonymous callers).
 */
import net, { type AddressInfo } from 'node:net';
import { freePort } from '@goated/testing';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { initTRPC } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import serverPackage from '../../../apps/server/package.json' with { type: 'json' };
import { clientVersion, createClient, errorCode, serverUnreachable } from '../src/index';

/** A server answering the two procedures used here, reporting `version`; counts health checks. */
async function fakeServer(version: string) {
  const t = initTRPC.create({ transformer: superjson });
  let healthChecks = 0;
  const router = t.router({
    health: t.router({
      status: t.procedure.query(() => {
        healthChecks += 1;
        return { status: 'ok' as const, version };
      }),
    }),
    leaderboard: t.router({
      top: t.procedure
        .input(z.object({ period: z.string() }).passthrough())
        .query(({ input }) => ({ period: input.period, entries: [], nextCursor: null, generatedAt: new Date() })),
    }),
  });
  const server = createHTTPServer({ router, basePath: '/trpc/' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    healthChecks: () => healthChecks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the version check', () => {
  it('tells once, clearly, that the server runs an incompatible version', async () => {
    const server = await fakeServer('7.2.0');
    const warn = vi.fn<(message: string) => void>();
    const first = createClient({ url: server.url, onVersionMismatch: warn });
    const second = createClient({ url: `${server.url}/`, onVersionMismatch: warn });
    try {
      await first.api.leaderboard.top.query({ period: 'month' });
      await first.api.leaderboard.top.query({ period: 'week' });
      await second.api.leaderboard.top.query({ period: 'month' });
      await vi.waitFor(() => expect(server.healthChecks()).toBe(2));
      await vi.waitFor(() => expect(warn).toHaveBeenCalled());
      // One check per client; one warning per server address in this process.
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toBe(
        `@goated/client ${clientVersion} is talking to a server at ${server.url} that runs 7.2.0: ` +
          'procedures may differ from what this client was built for. Install the matching client: npm install @goated/client@7',
      );
    } finally {
      await Promise.all([first.close(), second.close()]);
      await server.close();
    }
  });

  it('stays quiet with a compatible server', async () => {
    const [major, minor] = clientVersion.split('.');
    const server = await fakeServer(major === '0' ? `0.${minor}.99` : `${major}.99.0`);
    const warn = vi.fn<(message: string) => void>();
    const client = createClient({ url: server.url, onVersionMismatch: warn });
    try {
      await client.api.leaderboard.top.query({ period: 'month' });
      await vi.waitFor(() => expect(server.healthChecks()).toBe(1));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(warn).not.toHaveBeenCalled();
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('an unreachable server', () => {
  it('fails with the address that was tried and why', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { api, close } = createClient({ url, onVersionMismatch: false });
    try {
      const err = await api.leaderboard.top.query({ period: 'month' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(serverUnreachable(err)).toEqual({
        url,
        reason: 'connection refused',
        message: `Could not reach the server at ${url} (connection refused)`,
      });
      expect(err instanceof Error && err.message).toBe(`Could not reach the server at ${url} (connection refused)`);
      expect(errorCode(err)).toBeNull();
    } finally {
      await close();
    }
  });
});

describe('a server that takes the request in and never answers', () => {
  /** Accepts connections and reads nothing back: a hung server, or a proxy in front of one. */
  async function silentServer() {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }
  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => 'answered',
      (e: unknown) => e,
    );

  it('fails a call after the client’s timeout, or the call’s own, saying so', async () => {
    const silent = await silentServer();
    const { api, close } = createClient({ url: silent.url, timeoutMs: 300, onVersionMismatch: false });
    try {
      let started = performance.now();
      const err = await outcome(api.leaderboard.top.query({ period: 'month' }));
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(serverUnreachable(err)).toEqual({
        url: silent.url,
        reason: 'no answer within 300 ms',
        message: `The server at ${silent.url} gave no answer within 300 ms`,
      });
      expect(errorCode(err)).toBeNull();
      started = performance.now();
      const own = await outcome(api.races.list.query({}, { context: { timeoutMs: 1000 } }));
      expect(performance.now() - started).toBeGreaterThanOrEqual(990);
      expect(serverUnreachable(own)?.reason).toBe('no answer within 1 s');
    } finally {
      await close();
      await silent.close();
    }
  });

  it('waits as long as fetch does with timeoutMs: false', async () => {
    const silent = await silentServer();
    const { api, close } = createClient({ url: silent.url, timeoutMs: false, onVersionMismatch: false });
    const controller = new AbortController();
    try {
      const call = outcome(api.leaderboard.top.query({ period: 'month' }, { signal: controller.signal }));
      const early = await Promise.race([call, new Promise((resolve) => setTimeout(() => resolve('waiting'), 1000))]);
      expect(early).toBe('waiting');
      controller.abort();
      expect(serverUnreachable(await call)).toBeNull();
    } finally {
      await close();
      await silent.close();
    }
  });
});

describe('a real server', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer('pglite');
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('tells anonymous callers its version in health.status, as the version check needs', async () => {
    const { api, close } = createClient({ url: ts.url, onVersionMismatch: false });
    try {
      await expect(api.health.status.query()).resolves.toMatchObject({ version: serverPackage.version });
    } finally {
      await close();
    }
  });

  it('is the version this client is built for', () => {
    expect(clientVersion).toBe(serverPackage.version);
  });
});
