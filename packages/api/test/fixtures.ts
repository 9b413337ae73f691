import { randomUUID } from 'node:crypto';
import { type Db, type DbHandle, type DbKind, schema } from '@goated/db';
import { createTestDb } from '@goated/testing/db';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { FieldError } from '../src/errors';
import { appRouter } from '../src/index';
import {
  type ApiKeyIdentity,
  type AppDeps,
  createCallerFactory,
  createContext,
  createInProcessBus,
  createRequestContext,
  type SessionUser,
} from '../src/server';

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface TestApi {
  deps: AppDeps;
  handle: DbHandle;
  /** An anonymous caller of the real router. */
  caller: Caller;
  /** A caller acting as this identity (a user, an API key, or both). */
  callerAs(identity: { user?: SessionUser | null; apiKey?: ApiKeyIdentity | null; ip?: string | null }): Caller;
  /** The context an HTTP request with `Authorization: Bearer <token>` gets (from 198.51.100.7). */
  bearerContext(token: string): ReturnType<typeof createRequestContext>;
  close(): Promise<void>;
}

/** A fresh database of the given kind and server-side callers of the real router. */
export async function createTestApi(kind: DbKind, options: Pick<AppDeps, 'live'> = {}): Promise<TestApi> {
  const handle = await createTestDb(kind);
  const bus = createInProcessBus();
  const deps: AppDeps = { db: handle.db, dbKind: handle.kind, pingDb: handle.ping, bus, version: 'test', ...options };
  const callerAs = (identity: { user?: SessionUser | null; apiKey?: ApiKeyIdentity | null; ip?: string | null }) =>
    createCaller(createContext(deps, { requestId: 'test', ...identity }));
  const bearerContext = (token: string) =>
    createRequestContext(deps, {
      requestId: 'test',
      ip: '198.51.100.7',
      cookieHeader: null,
      authorization: `Bearer ${token}`,
      connectionToken: null,
      cookies: null,
    });
  return { deps, handle, caller: callerAs({}), callerAs, bearerContext, close: () => handle.close() };
}

/** A stored user (password hash is a placeholder: these users never sign in). */
export async function insertUser(
  db: Db,
  fields: { username?: string; role?: 'user' | 'admin'; playerUid?: string } = {},
): Promise<SessionUser> {
  const username = fields.username ?? `user_${randomUUID().slice(0, 8)}`;
  const [row] = await db
    .insert(schema.users)
    .values({
      id: randomUUID(),
      username,
      displayName: username,
      passwordHash: 'not-a-real-hash',
      role: fields.role ?? 'user',
      playerUid: fields.playerUid ?? null,
    })
    .returning();
  if (!row) throw new Error('insertUser failed');
  return { id: row.id, username: row.username, role: row.role };
}

export interface PlayerFixture {
  uid: string;
  name?: string;
  today?: string;
  week?: string;
  month?: string;
  all?: string;
}

export async function insertPlayers(db: Db, fixtures: PlayerFixture[], at = new Date()): Promise<void> {
  await db.insert(schema.players).values(
    fixtures.map((f) => ({
      uid: f.uid,
      name: f.name ?? f.uid,
      wagerToday: f.today ?? '0',
      wagerWeek: f.week ?? '0',
      wagerMonth: f.month ?? '0',
      wagerAllTime: f.all ?? f.month ?? '0',
      upstreamUpdatedAt: at,
    })),
  );
}

export async function insertWagerDays(db: Db, rows: { uid: string; day: string; wagered: string }[]): Promise<void> {
  await db
    .insert(schema.playerWagerDays)
    .values(rows.map((r) => ({ playerUid: r.uid, day: r.day, wagered: r.wagered, upstreamUpdatedAt: new Date() })));
}

/** The rejection of a call: its tRPC code, message and the fields it names. */
export async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string; fields: string[] }> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError)) throw error;
  const cause = error.cause;
  const fields =
    cause instanceof ZodError
      ? cause.issues.map((i) => i.path.join('.'))
      : cause instanceof FieldError
        ? [cause.path.join('.')]
        : [];
  return { code: error.code, message: error.message, fields };
}
