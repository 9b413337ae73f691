import { type Db, schema } from '@goated/db';
import { DrizzlePostgreSQLAdapter } from '@lucia-auth/adapter-drizzle';
import { Lucia, TimeSpan } from 'lucia';

export const SESSION_COOKIE = 'goated_session';

export interface SessionOptions {
  /** Mark the cookie Secure (production, behind TLS). */
  secureCookie?: boolean;
  /** Session lifetime; lucia extends it (sliding) once half of it has passed. */
  ttlDays?: number;
}

function buildLucia(db: Db, options: SessionOptions) {
  return new Lucia(new DrizzlePostgreSQLAdapter(db, schema.sessions, schema.users), {
    sessionExpiresIn: new TimeSpan(options.ttlDays ?? 30, 'd'),
    sessionCookie: {
      name: SESSION_COOKIE,
      expires: true,
      attributes: { secure: options.secureCookie ?? false, sameSite: 'lax', path: '/' },
    },
    getUserAttributes: (row) => ({
      username: row.username,
      role: row.role,
      banned: row.banned,
      mustChangePassword: row.mustChangePassword,
    }),
  });
}

export type AppLucia = ReturnType<typeof buildLucia>;

declare module 'lucia' {
  interface Register {
    Lucia: AppLucia;
    DatabaseUserAttributes: {
      username: string;
      role: 'user' | 'admin';
      banned: boolean;
      mustChangePassword: boolean;
    };
  }
}

const cache = new WeakMap<Db, Map<string, AppLucia>>();

/** One lucia instance per database and cookie policy. */
export function luciaFor(db: Db, options: SessionOptions = {}): AppLucia {
  let byOptions = cache.get(db);
  if (!byOptions) {
    byOptions = new Map();
    cache.set(db, byOptions);
  }
  const key = `${options.secureCookie ?? false}:${options.ttlDays ?? 30}`;
  let lucia = byOptions.get(key);
  if (!lucia) {
    lucia = buildLucia(db, options);
    byOptions.set(key, lucia);
  }
  return lucia;
}
