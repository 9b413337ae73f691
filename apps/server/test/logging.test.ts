/**
 * The logger cannot throw: whatever a log call is handed as `err` is logged. A log call that
 * threw inside a Redis 'error' handler took the whole process down (issue #15).
 */
import { describe, expect, it } from 'vitest';
import { createServer } from '../src/app';
import { loadConfig } from '../src/config';
import { serializeError } from '../src/logging';

/** An error whose message cannot even be read. */
function exploding(): Error {
  const err = new Error('x');
  Object.defineProperty(err, 'message', {
    get() {
      throw new Error('the getter itself fails');
    },
  });
  return err;
}

const cyclic: Record<string, unknown> = { message: 'cyclic' };
cyclic.self = cyclic;
const hostileProxy = new Proxy(
  {},
  {
    get() {
      throw new Error('no reading this');
    },
    ownKeys() {
      throw new Error('no listing this');
    },
  },
);

describe('serializeError', () => {
  it.each<[string, unknown, string]>([
    ['a string', 'connect ECONNREFUSED 127.0.0.1:6379', 'connect ECONNREFUSED 127.0.0.1:6379'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['a plain object', { message: 'plain', code: 'E1' }, 'plain'],
    ['a cyclic object', cyclic, 'cyclic'],
  ])('turns %s into a logged error without throwing', (_label, value, message) => {
    expect(serializeError(value).message).toBe(message);
  });

  it('survives getters and proxies that throw', () => {
    expect(() => serializeError(exploding())).not.toThrow();
    expect(serializeError(exploding()).type).toBe('unserializable');
    expect(() => serializeError(hostileProxy)).not.toThrow();
  });

  it('follows causes of any kind, and redacts query parameters in each', () => {
    const err = new Error('Failed query: select 1\nparams: secret', { cause: 'a string cause\nparams: hidden' });
    const logged = serializeError(err);
    expect(logged.message).toBe('Failed query: select 1\nparams: [redacted]');
    expect(logged.cause).toMatchObject({ type: 'string', message: 'a string cause\nparams: [redacted]' });
    expect(JSON.stringify(logged)).not.toMatch(/secret|hidden/);
  });
});

describe('the server logger at the default level', () => {
  it('logs any value passed as err, and never throws from a log call', async () => {
    const lines: string[] = [];
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', SYNC_ENABLED: 'false', WEB_DIST: '/nonexistent' });
    expect(config.logLevel).toBe('info');
    const server = await createServer(config, { logStream: { write: (line) => lines.push(line) } });
    try {
      for (const err of ['a string', undefined, null, 7, { no: 'message' }, exploding(), hostileProxy]) {
        expect(() => server.app.log.warn({ err }, 'odd error value')).not.toThrow();
        expect(() => server.app.log.fatal({ err }, 'odd error value')).not.toThrow();
      }
      const logged = lines.filter((l) => l.includes('odd error value')).map((l) => JSON.parse(l) as { err: unknown });
      expect(logged).toHaveLength(14);
      expect(logged[0]?.err).toMatchObject({ type: 'string', message: 'a string' });
    } finally {
      await server.stop();
    }
  }, 60_000);
});
