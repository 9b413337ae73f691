import { type Db, type DbHandle, type DbKind, schema } from '@goated/db';
import { createTestDb } from '@goated/db/testing';
import { type AppDeps, appRouter, createCallerFactory, createContext, createInProcessBus } from '../src/index';

const createCaller = createCallerFactory(appRouter);

export interface TestApi {
  deps: AppDeps;
  handle: DbHandle;
  caller: ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

/** A fresh database of the given kind and a server-side caller of the real router. */
export async function createTestApi(kind: DbKind): Promise<TestApi> {
  const handle = await createTestDb(kind);
  const bus = createInProcessBus();
  const deps: AppDeps = { db: handle.db, dbKind: handle.kind, pingDb: handle.ping, bus, version: 'test' };
  const caller = createCaller(createContext(deps, { requestId: 'test' }));
  return { deps, handle, caller, close: () => handle.close() };
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
