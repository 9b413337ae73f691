/**
 * The PostgreSQL driver (postgres.js 3.4.9, patched: patches/postgres@3.4.9.patch) after a query
 * that stopped part-way through its rows, and after the network cut a connection.
 *
 * Part-way: unpatched, the connection's row counter was reset only by a query's completion: rows
 * a failed or severed query had already received shifted the next query's rows along, so a
 * one-row answer came back as `[ <2 empty items>, row ]` — a session lookup then read as "no
 * session" during a database blip (porsager/postgres#1119).
 */
import net from 'node:net';
import { testBackends } from '@goated/testing/db';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';

const url = process.env.DATABASE_URL;

describe.runIf(testBackends().includes('postgres') && url)('postgres.js after a query fails mid-stream', () => {
  it('answers the next query on the same connection with its own rows only', async () => {
    const sql = postgres(url ?? '', { max: 1, onnotice: () => {} });
    try {
      // Two rows reach the client, then division by zero fails the statement on the third.
      await expect(sql`select 10 / (3 - g) as q from generate_series(1, 5) g`).rejects.toThrow(/division by zero/);
      const rows = await sql`select 1 as one`;
      expect([...rows]).toEqual([{ one: 1 }]);
      // The same through a prepared statement (the pool's default), twice.
      for (let i = 0; i < 2; i++) {
        await expect(sql`select 10 / (3 - g) as q from generate_series(1, ${5}) g`).rejects.toThrow();
        expect([...(await sql`select ${i}::int as i`)]).toEqual([{ i }]);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});

/**
 * A connection cut by the network (a reset) emits `error`, and only later, once its handle has
 * closed, `close`. In between, the pool still counted the connection as usable: a query handed
 * to it there was written into the dead socket and, since `close` with an error settled nothing
 * (postgres.js 3.4.9), waited forever — requests that never answered after a database blip. And
 * a write still scheduled when the socket closed stayed scheduled: its bytes went out ahead of the
 * next connection's startup message, or nothing of that connection did until its connect timeout.
 */
describe.runIf(testBackends().includes('postgres') && url)('postgres.js when the network cuts a connection', () => {
  const hungAfter = (ms: number) => new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref());

  /** A one-connection pool whose sockets the test can reach. */
  function pool() {
    const sockets: net.Socket[] = [];
    const options = {
      max: 1,
      onnotice: () => {},
      // Long enough that a connection stuck unsent shows as a hang below, not a quick error.
      connect_timeout: 30,
      // postgres.js's `socket` option, as the server's pool uses it (packages/db/src/client.ts).
      socket: ({ host, port }: { host: string[]; port: number[] }) => {
        const socket = net.connect(port[0] ?? 5432, host[0] ?? '127.0.0.1');
        sockets.push(socket);
        return socket;
      },
    };
    const sql = postgres(url ?? '', options);
    return { sql, sockets };
  }

  /** Cuts the pool's socket as a reset from the network would, while a query is in flight on it. */
  async function cutUnderQuery(sql: ReturnType<typeof postgres>, socket: net.Socket | undefined) {
    if (!socket) throw new Error('the pool opened no socket');
    const inFlight = sql`select pg_sleep(0.5)`.then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    return inFlight;
  }

  it('settles a query handed to the connection between the reset and the socket closing', async () => {
    const { sql, sockets } = pool();
    try {
      await sql`select 1`;
      let late: Promise<unknown> | undefined;
      sockets[0]?.once('error', () => {
        late = sql`select 2 as two`.then(
          (rows) => [...rows],
          (err: Error) => `failed: ${(err as Error & { code?: string }).code}`,
        );
      });
      expect(await cutUnderQuery(sql, sockets[0])).toMatch(/ECONNRESET/);
      expect(await Promise.race([late, hungAfter(3000)])).toMatch(/^failed: CONNECTION_CLOSED$/);
      // And the pool goes on: a new connection answers.
      expect([...(await Promise.race([sql`select 3 as three`, hungAfter(3000)]))]).toEqual([{ three: 3 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('drops a write still scheduled for the closed socket, and the next connection starts cleanly', async () => {
    const { sql, sockets } = pool();
    try {
      await sql`select 1`;
      let late: Promise<unknown> | undefined;
      // Handed over in the turn of the event loop in which the socket closes, after that turn's
      // scheduled writes have run: its own write is still pending when `close` arrives.
      sockets[0]?.once('error', () =>
        setImmediate(() => {
          late = sql`select 2 as two`.then(
            (rows) => [...rows],
            (err: Error) => `failed: ${(err as Error & { code?: string }).code}`,
          );
        }),
      );
      expect(await cutUnderQuery(sql, sockets[0])).toMatch(/ECONNRESET/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await Promise.race([late, hungAfter(3000)])).toMatch(/^failed: CONNECTION_CLOSED$/);
      expect([...(await Promise.race([sql`select 3 as three`, hungAfter(3000)]))]).toEqual([{ three: 3 }]);
      expect(sockets.length).toBe(2);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('ends promptly after a connection was cut under a query', async () => {
    const { sql, sockets } = pool();
    await sql`select 1`;
    expect(await cutUnderQuery(sql, sockets[0])).toMatch(/ECONNRESET/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // No timeout given: end() waits for what it believes is in flight.
    expect(await Promise.race([sql.end().then(() => 'ended'), hungAfter(3000)])).toBe('ended');
  });
});
