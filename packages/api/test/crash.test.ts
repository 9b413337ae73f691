/**
 * A sync process killed with SIGKILL in the middle of its transaction, on the real PostgreSQL:
 * afterwards the database holds exactly the previous consistent state, and the next run
 * reports the dead run as interrupted and applies normally.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDb, type DbHandle, queryRows, schema } from '@goated/db';
import { waitFor } from '@goated/testing';
import { createTestDatabaseUrl, testBackends } from '@goated/testing/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { asc, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessBus } from '../src/events/in-process';
import { SYNC_RUN_LOCK } from '../src/services/sync/locks';
import { SyncService } from '../src/services/sync/service';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const childScript = fileURLToPath(new URL('./support/sync-child.ts', import.meta.url));
const T1 = '2026-01-01T10:00:00Z';

describe.skipIf(!testBackends().includes('postgres'))('a sync process killed mid-transaction (postgres)', () => {
  let handle: DbHandle;
  let url: string;
  let drop: () => Promise<void>;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    const created = await createTestDatabaseUrl();
    url = created.url;
    drop = created.drop;
    handle = await createDb({ databaseUrl: url, poolMax: 3 });
  }, 120_000);
  afterEach(async () => {
    child?.kill('SIGKILL');
    await handle.close();
    await drop();
  });

  it('leaves the previous state, and the next run marks it interrupted and applies', async () => {
    const bus = createInProcessBus();
    const records = (amount: number, at: string) =>
      Array.from({ length: 10 }, (_, i) => upstreamRecord(`u${i}`, amount, at));
    const first = new SyncService({
      db: handle.db,
      bus,
      source: { name: 'parent', fetchRecords: async () => records(10, T1) },
      tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
    });
    expect(await first.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: 10 });
    const snapshot = async () => ({
      players: await handle.db.select().from(schema.players).orderBy(asc(schema.players.uid)),
      days: await handle.db.select().from(schema.playerWagerDays).orderBy(asc(schema.playerWagerDays.playerUid)),
    });
    const before = await snapshot();

    // The child writes in chunks of three; u5 (second chunk, after u0–u4 are written) parks it
    // in a sleep inside its transaction, where it is killed. The server notices the dead client
    // within 100 ms while it sleeps and rolls the transaction back.
    await handle.db.execute(
      sql.raw(`alter database "${new URL(url).pathname.slice(1)}" set client_connection_check_interval = '100ms'`),
    );
    await handle.db.execute(sql`
      create function park_on_u5() returns trigger language plpgsql as $$
      begin
        if new.uid = 'u5' then perform pg_sleep(60); end if;
        return new;
      end $$`);
    await handle.db.execute(
      sql`create trigger park_on_u5 before insert or update on players for each row execute function park_on_u5()`,
    );

    // node itself with tsx as a loader: the `tsx` command would run the script in a
    // grandchild that a SIGKILL of the command does not reach.
    const proc = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: root,
      env: { ...process.env, CHILD_DATABASE_URL: url, CHILD_AMOUNT: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const sleepers = () =>
      queryRows<{ pid: number }>(
        handle.db,
        sql`select pid from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`,
      );
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`the child exited early: ${output}`);
        return (await sleepers()).length > 0;
      },
      { label: 'the child to be inside its transaction', timeoutMs: 30_000, intervalMs: 100 },
    );

    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.once('exit', (_code, signal) => resolve(signal)),
    );
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // Nothing of the dead run is visible, before or after the server cleans up after it.
    expect(await snapshot()).toEqual(before);
    await waitFor(async () => (await sleepers()).length === 0, {
      label: 'the server to roll back the dead transaction',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(await snapshot()).toEqual(before);
    const runs = await handle.db.select().from(schema.syncRuns).orderBy(asc(schema.syncRuns.id));
    expect(runs.map((r) => [r.source, r.status])).toEqual([
      ['parent', 'succeeded'],
      ['child', 'running'],
    ]);

    await handle.db.execute(sql`drop trigger park_on_u5 on players`);
    const next = new SyncService({
      db: handle.db,
      bus,
      source: { name: 'parent', fetchRecords: async () => records(30, '2026-01-01T12:00:00Z') },
      tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
    });
    expect(await next.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: 10 });
    const after = await handle.db.select().from(schema.players);
    expect(new Set(after.map((p) => p.wagerAllTime))).toEqual(new Set(['30.00']));
    const finalRuns = await handle.db.select().from(schema.syncRuns).orderBy(asc(schema.syncRuns.id));
    expect(finalRuns.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(finalRuns[1]?.error).toMatch(/interrupted/);
    const logs = await handle.db.select().from(schema.transformationLogs).orderBy(asc(schema.transformationLogs.id));
    expect(logs.map((l) => l.type)).toEqual(['info', 'error', 'info']);
  }, 60_000);
});
