/** The server in-process on a free port, as most server, bot, client and web tests use it. */
import { createClient } from '@goated/client';
import type { DbHandle, DbKind } from '@goated/db';
import { createServer, type Server, type ServerOverrides } from '@goated/server/app';
import { loadConfig } from '@goated/server/config';
import { createTestDb } from './db';

export interface TestServer {
  server: Server;
  db: DbHandle;
  url: string;
  client: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

export const TEST_ADMIN = { username: 'admin', password: 'test admin password' } as const;

/**
 * A real server on a free port over a fresh database (or `overrides.db`, which the caller then
 * owns), with a typed client pointed at it.
 */
export async function startTestServer(
  kind: DbKind,
  env: Record<string, string> = {},
  overrides: ServerOverrides = {},
): Promise<TestServer> {
  const db = overrides.db ?? (await createTestDb(kind));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    SYNC_ENABLED: 'false',
    WEB_DIST: '/nonexistent',
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    ...env,
  });
  const server = await createServer(config, { ...overrides, db });
  const url = await server.start();
  const client = createClient({ url });
  return {
    server,
    db,
    url,
    client,
    close: async () => {
      await client.close();
      await server.stop();
      if (!overrides.db) await db.close();
    },
  };
}
